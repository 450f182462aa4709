import Foundation
import HearthCore
import HearthDevice
import Logging
import X509

/// What every simulated device shares: the hub's addresses, the owner, the recorder, and the
/// owner's side of pairing (which the devices' own pairing and re-pairing need).
struct FleetContext: Sendable {
    static let flow = "reading"

    let scenario: Scenario
    let recorder: SimulationRecorder
    let hub: URL
    let host: String
    let mqttPort: Int
    let owner: OwnerAPI
    /// The hub's root, as `<data>/ca-root.pem` has it.
    let root: Certificate
    let devicesFolder: URL
    /// The namespaces the run plays in, when partitions are made in the network: each device
    /// then leaves from an address of its own.
    let network: NetworkLab?
    let logger: Logger
    /// The simulator's time of day (real time): when certificates expire for the hub.
    let clock: any HearthClock = SystemClock()

    func topic(id: String) -> String { "devices/\(id)/telemetry/\(Self.flow)" }

    static func model(of kind: Scenario.DeviceKind) -> String { "sim-\(kind.name)" }

    /// The flows every simulated model declares: one, `reading`, whose fields are what devices send.
    static func flowDocument() -> [UInt8] {
        Array("""
            {"flows": [{"name": "\(flow)", "class": "functional", "purpose": "The simulated device's readings",
              "schema": {"type": "object", "required": ["device", "seq"], "properties": {
                "device": {"type": "integer"}, "seq": {"type": "integer"}, "value": {"type": "number"}}},
              "retention": "1d", "recipients": {"apps": true, "destinations": []}}]}
            """.utf8)
    }

    /// A new device of `kind` with its own state folder.
    func makeDevice(index: Int, kind: Scenario.DeviceKind) -> SimulatedDevice {
        SimulatedDevice(
            index: index, kind: kind, folder: devicesFolder.appendingPathComponent("\(kind.name)-\(index)"),
            source: network?.deviceAddress(index), logger: logger)
    }

    /// Pairs a device the way an owner and a device do it with a setup secret: the owner expects
    /// the secret, the device pairs (and rotates its key at once), the owner says its model.
    func pair(_ device: SimulatedDevice) async throws {
        let started = ContinuousClock.now
        do {
            try await owner.expect(device.secret, name: "\(device.kind.name) \(device.index)")
            let outcome = try await device.device.pairWithSecret(hub: hub, secret: device.secret)
            try await owner.setModel(device: outcome.deviceID, model: Self.model(of: device.kind))
            device.set(deviceID: outcome.deviceID)
            recorder.record(.pairing, milliseconds: started.millisecondsSince)
        } catch {
            recorder.record(.pairing, milliseconds: started.millisecondsSince, failure: FailureReason.of(error))
            throw error
        }
    }

    /// A device whose certificate expired while it could not reach the hub cannot renew (the hub
    /// refuses an expired certificate at the handshake). As docs/pairing.md says for
    /// re-commissioning: the owner decommissions the old identity and expects the device again,
    /// the device resets and pairs with the secret on its label.
    func repair(_ device: SimulatedDevice) async throws {
        if let old = device.deviceID { try? await owner.decommission(device: old) }
        try device.device.reset()
        try await pair(device)
    }

    /// Pairs devices, `concurrency` at a time; returns those that paired.
    func pairAll(_ devices: [SimulatedDevice], concurrency: Int = 64) async -> [SimulatedDevice] {
        await withTaskGroup(of: SimulatedDevice?.self) { group in
            var paired: [SimulatedDevice] = []
            for (index, device) in devices.enumerated() {
                if index >= concurrency, let done = await group.next(), let done { paired.append(done) }
                group.addTask { (try? await pair(device)) == nil ? nil : device }
            }
            for await done in group { if let done { paired.append(done) } }
            return paired
        }
    }
}
