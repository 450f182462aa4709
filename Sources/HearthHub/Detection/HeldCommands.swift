import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthDetection
import HearthStore

/// Commands the policy held for an owner's approval (docs/detection.md, "Unusual commands"): kept
/// with the alert that reports them, delivered to the device when an owner approves with a second
/// factor before they expire, refused when the alert is acknowledged without approving.
package struct HeldCommands: Sendable {
    let store: Store
    let broker: Broker?
    let ledger: CommandLedger?
    let secondFactor: SecondFactor
    /// A wrong code counts as a refused credential for the brute-force detector.
    let signals: SignalInbox?

    /// Keeps the command, audited with the alert that holds it.
    func keep(_ command: HeldCommand, alert: String) async throws {
        try await store.write { db in
            try await db.commands.hold(CommandRecords.HeldRow(
                id: command.id, household: command.household, alertID: alert, commander: command.commander,
                device: command.device, topic: command.topic, payload: command.payload, reason: command.reason,
                heldAt: command.heldAt, expiresAt: command.expiresAt))
            try await db.audit.append(AuditEvent(
                .commandHeld, actor: Containment.actor, subject: "command:\(command.id)", household: command.household,
                reason: command.reason,
                details: ["alert": alert, "commander": command.commander, "device": command.device.rawValue, "topic": command.topic]))
        }
    }

    /// Who approves: an owner proving a second factor now, or the hub's own command line (its
    /// operator has the data folder, which is more than any code).
    package enum Approver: Sendable {
        case owner(Person, code: String, source: String?)
        case commandLine
    }

    /// The household's alerts whose command can still be approved.
    package func holding(household: HouseholdID) async throws -> Set<String> {
        Set(try await store.read { db in try await db.commands.holdingAlerts(household: household, at: db.clock.now) })
    }

    /// Approves the command `alert` holds: recorded and the alert acknowledged, then delivered.
    package func approve(alert id: String, household: HouseholdID?, by approver: Approver, actor: AuditActor) async throws -> CommandRecords.HeldRow {
        guard let held = try await store.read({ db in try await db.commands.held(alert: id) }), household == nil || held.household == household
        else { throw HearthError(.notFound, "alert \(id) holds no command") }
        guard held.state == .held else {
            throw HearthError(.conflict, "the command was \(held.state.rawValue) already")
        }
        let now = store.clock.now
        guard held.expiresAt > now else {
            throw HearthError(.conflict, "the command expired at \(RFC3339.format(held.expiresAt)); the app must send it again")
        }
        if case .owner(let person, let code, let source) = approver {
            guard try await secondFactor.isEnrolled(person.id) else {
                throw HearthError(.forbidden, "approving a held command needs a second factor: enroll one first")
            }
            guard try await secondFactor.verify(person, code: code) else {
                signals?.post(.authenticationFailed(.signIn, source: source, target: "person:\(person.id)", at: now))
                throw HearthError(.forbidden, "the second-factor code is not valid")
            }
        }
        let decided = try await store.write { db -> Bool in
            let at = db.clock.now
            guard try await db.commands.decide(held.id, .approved, by: actor.description, at: at) else { return false }
            try await db.audit.append(AuditEvent(
                .commandApproved, actor: actor, subject: "command:\(held.id)", household: held.household,
                reason: "approved; the running hub delivers it to the device",
                details: ["alert": id, "commander": held.commander, "device": held.device.rawValue, "topic": held.topic]))
            if try await db.alerts.acknowledge(id, by: actor.description, at: at) != nil {
                try await db.audit.append(AuditEvent(
                    .alertAcknowledged, actor: actor, subject: "alert:\(id)", household: held.household,
                    reason: "acknowledged by approving the command it held", details: ["kind": FindingKind.unusualCommand.rawValue]))
            }
            return true
        }
        guard decided else { throw HearthError(.conflict, "the command was decided already") }
        // In the hub, at once; from the command line, the hub's detection service delivers it.
        if broker != nil { try await deliverApproved() }
        return try await store.read { db in try await db.commands.held(alert: id) } ?? held
    }

    /// Delivers the approved commands no process delivered yet (each by one process only); the
    /// commander is familiar with the device from then on. Needs the broker.
    func deliverApproved() async throws {
        guard let broker else { return }
        let now = store.clock.now
        for command in try await store.read({ db in try await db.commands.undelivered(at: now) }) {
            guard let payload = command.payload,
                  try await store.write({ db in try await db.commands.claimDelivery(command.id, at: db.clock.now) })
            else { continue }
            // Learned before the device hears it: the commander's next command, which may follow the
            // device's answer at once, must find the pair familiar.
            ledger?.learn(commander: command.commander, device: command.device, household: command.household, at: now)
            broker.deliverApproved(topic: command.topic, payload: payload, household: command.household)
        }
    }
}
