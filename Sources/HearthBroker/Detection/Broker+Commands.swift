import Foundation
import HearthCore
import HearthDetection
import HearthMQTT
import Logging
import NIOCore

/// Commands to devices whose zone weighs context (`security`): what the hub learned is read on
/// each one, and a command the policy holds goes to detection, which raises the alert and keeps it.
extension Broker {
    /// Whether a command from `client` to `target` is decided with context: then no decision
    /// about it is remembered for the connection.
    func weighsContext(_ target: DeviceFacts, for client: BrokerClient) -> Bool {
        guard commands != nil, case .app = client.subject else { return false }
        return ZoneRequirements.of(target.zone).holdsUnusualCommands
    }

    func commandContext(_ client: BrokerClient, commanding target: DeviceFacts, at now: Date) -> CommandContext? {
        guard let commands, weighsContext(target, for: client) else { return nil }
        return commands.context(commander: client.auditSubject, device: target.id, household: client.household, at: now)
    }

    /// A command let through: the commander is familiar with the device from now on.
    func learnCommand(_ client: BrokerClient, to target: DeviceFacts, at now: Date) {
        commands?.learn(commander: client.auditSubject, device: target.id, household: client.household, at: now)
    }

    /// A command larger than a held one may be is dropped with a log line; the app was told it is held
    /// either way, and only an approval ever delivers it.
    func hold(client: BrokerClient, target: DeviceFacts, topic: String, payload: ByteBuffer, reason: String) {
        guard let commands, let signals, payload.readableBytes <= HeldCommand.maximumPayload else {
            logger.notice("a held command was too large to keep", metadata: ["topic": "\(topic)", "client": "\(client.auditSubject)"])
            return
        }
        let now = clock.now
        signals.post(.commandHeld(HeldCommand(
            id: "cmd_" + UUID().uuidString.lowercased(), household: client.household, commander: client.auditSubject,
            device: target.id, zone: target.zone.name, topic: topic, payload: Array(payload.readableBytesView), reason: reason,
            heldAt: now, expiresAt: now.addingTimeInterval(commands.settings.holdFor))))
    }

    /// Delivers a command an owner approved, as the app sent it (QoS 1, not retained).
    public func deliverApproved(topic: String, payload: [UInt8], household: HouseholdID) {
        publishFromHub(topic: topic, payload: payload, household: household, publisher: "hub:approved-command")
    }

    /// A message the hub itself sends a device (an approved command, a firmware update offer):
    /// QoS 1, not retained, expiring after a minute.
    public func publishFromHub(topic: String, payload: [UInt8], household: HouseholdID, publisher: String) {
        sendAsHub(BrokerMessage(
            topic: topic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: clock.now.addingTimeInterval(60), publisher: publisher, flow: nil), household: household)
    }
}
