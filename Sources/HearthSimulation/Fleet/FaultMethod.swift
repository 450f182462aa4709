/// How a partition is made.
///
/// - In network namespaces (``NetworkLab``): the cut devices' packets are dropped both ways at
///   the hub's end of the link. Nothing is closed: the devices notice by their MQTT keep-alive
///   and their requests timing out, the hub by its keep-alive timeouts, and TCP retransmits.
/// - In process (the fallback where namespaces cannot be made): the chosen devices' connections
///   are closed and they try nothing until it ends — what the hub sees is a burst of dropped
///   connections, not the silence of a real partition.
///
/// See docs/simulator.md.
public struct FaultMethod: Sendable {
    public let name: String
    /// The namespaces the hub and the devices live in; nil for the in-process fallback.
    public let lab: NetworkLab?

    public static let inProcess = FaultMethod(name: "in-process fallback (connections closed, attempts held)", lab: nil)

    public static func namespaces(_ lab: NetworkLab) -> FaultMethod {
        FaultMethod(name: "network namespaces (\(lab.name)): cut devices' packets dropped both ways at the hub's end", lab: lab)
    }

    /// Cuts `devices` off; ``heal(_:)`` ends it (the in-process cut ends by itself after `seconds`).
    func cut(_ devices: [SimulatedDevice], seconds: Double) throws {
        guard let lab else {
            let until = ContinuousClock.now + .seconds(seconds)
            for device in devices { device.control { $0.cutOffUntil = until } }
            return
        }
        try lab.partition(devices.map(\.index), cut: true)
        for device in devices { device.control(interrupt: false) { $0.partitioned = true } }
    }

    /// Reconnects `devices` cut by ``cut(_:seconds:)``.
    func heal(_ devices: [SimulatedDevice]) throws {
        guard let lab else { return }
        try lab.partition(devices.map(\.index), cut: false)
        for device in devices { device.control(interrupt: false) { $0.partitioned = false } }
    }
}
