import Foundation
import HearthCore
import HearthDevice
import HearthMQTT
import Logging
import NIOCore
import Synchronization

/// The app that receives every device's telemetry, to count what was lost or duplicated: an MQTT
/// persistent session (clean session 0) subscribed at QoS 1 to `devices/+/telemetry/reading`,
/// with the owner's access token as its password. It reconnects whenever its session ends (a
/// restart, its token's end) with a fresh token; its persistent session keeps what arrives meanwhile.
final class TelemetryMonitor: Sendable {
    let app: MonitorApp
    private let stopping = Atomic<Bool>(false)
    private let close = Mutex<(@Sendable () -> Void)?>(nil)

    init(app: MonitorApp) { self.app = app }

    func run(in fleet: FleetContext) async {
        let filter = "devices/+/telemetry/\(FleetContext.flow)"
        while !stopping.load(ordering: .relaxed) {
            do {
                let (token, lifetime) = try await app.token()
                let context = try MQTTLink.context(identity: nil, root: fleet.root)
                let connect = ConnectPacket(
                    version: .v311, clientID: "simulator-monitor", cleanStart: false, keepAlive: 120, username: "monitor",
                    password: Array(token.utf8))
                try await MQTTLink.session(
                    host: fleet.host, port: fleet.mqttPort, context: context, connect: connect, timeout: .seconds(20)
                ) { _, inbound, outbound, close in
                    try await MQTTLink.send(.subscribe(SubscribePacket(
                        packetID: 1, subscriptions: [Subscription(filter: filter, qos: .atLeastOnce)])), to: outbound)
                    self.close.withLock { $0 = close }
                    // Reconnect with a fresh token before this one ends (the hub would close the session then).
                    let renew = Task {
                        try? await Task.sleep(for: .seconds(max(5, lifetime - 30)))
                        close()
                    }
                    defer { renew.cancel() }
                    while let packet = try await inbound.next() {
                        guard case .publish(let publish) = packet else { continue }
                        if let packetID = publish.packetID {
                            try await MQTTLink.send(.ack(AckPacket(.puback, packetID: packetID)), to: outbound)
                        }
                        if let reading = try? JSONDecoder().decode(Reading.self, from: Data(publish.payload.readableBytesView)) {
                            fleet.recorder.received(device: reading.device, sequence: reading.seq, qos: Int(publish.qos.rawValue))
                        }
                    }
                }
            } catch {
                if stopping.load(ordering: .relaxed) { return }
                fleet.logger.notice("the monitor's session failed, connecting again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        close.withLock { $0 }?()
    }

    private struct Reading: Decodable {
        let device: Int
        let seq: Int
    }
}
