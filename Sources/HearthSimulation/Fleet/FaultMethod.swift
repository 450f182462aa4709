/// How a partition is made. In process (the fallback that runs anywhere): the chosen devices'
/// connections are closed and they try nothing until it ends — what the hub sees is a burst of
/// dropped connections, not the silence of a real partition, so keep-alive timeouts and TCP
/// retransmission are not exercised. See docs/simulator.md.
public struct FaultMethod: Sendable {
    public let name: String

    public static let inProcess = FaultMethod(name: "in-process fallback (connections closed, attempts held)")

    /// Cuts `devices` off for `seconds`.
    func cutOff(_ devices: [SimulatedDevice], seconds: Double) async {
        let until = ContinuousClock.now + .seconds(seconds)
        for device in devices { device.control { $0.cutOffUntil = until } }
    }

    /// Ends every fault still in force.
    func liftAll() async {}
}
