import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthDetection
import HearthPKI
import Logging

/// Carries out what detection decided. What lives in this process — a rate limit, a source's
/// block, ending sessions — happens at once; what is recorded — a quarantine, a revoked
/// certificate or grant — goes through the same application services an owner uses, audited
/// with the alert it answers, and reaches every node's live sessions through the access watch.
struct Containment: Sendable {
    let broker: Broker?
    /// The privacy gate, where a flow is limited to its declared rate.
    let telemetry: TelemetryRules?
    let blocklist: SourceBlocklist
    let lifecycle: DeviceLifecycle
    let clients: ClientRegistry
    let held: HeldCommands
    let clock: any HearthClock
    let logger: Logger
    static let actor = AuditActor.system("detection")

    /// Whether `action` is one this process applies in memory at once.
    static func isImmediate(_ action: ContainmentAction) -> Bool {
        switch action {
        case .rateLimit, .liftRateLimit, .limitFlow, .liftFlowLimit, .blockSource, .disconnect: true
        case .quarantine, .revokeCertificate, .revokeToken, .holdCommand: false
        }
    }

    func applyNow(_ action: ContainmentAction) {
        switch action {
        case .rateLimit(let device, _, let perSecond):
            broker?.limitRate(of: device, perSecond: perSecond)
        case .liftRateLimit(let device, _):
            broker?.limitRate(of: device, perSecond: 0)
        case .limitFlow(let device, let household, let flow, _):
            telemetry?.declaredRates.limit(.init(household: household, device: device, flow: flow), at: clock.now)
        case .liftFlowLimit(let device, let household, let flow):
            telemetry?.declaredRates.lift(.init(household: household, device: device, flow: flow))
        case .blockSource(let address, let until):
            blocklist.block(address, until: until)
        case .disconnect(let credential, _):
            broker?.disconnect(credential, reason: "this credential was used from two places at once; it is being revoked")
        case .quarantine, .revokeCertificate, .revokeToken, .holdCommand:
            break
        }
    }

    /// A recorded action, citing the alert (`alert`) in its audit entry.
    func apply(_ action: ContainmentAction, alert: String) async throws {
        let reason = "contained by detection (\(alert))"
        switch action {
        case .quarantine(let device, let household):
            _ = try await lifecycle.quarantine(device, household: household, reason: reason, actor: Self.actor)
        case .revokeCertificate(_, let device, let household):
            // Every certificate of the device: a cloned key may have been renewed into another.
            _ = try await lifecycle.revokeCertificates(device, household: household, reason: .keyCompromise, actor: Self.actor)
        case .revokeToken(let id, let household):
            guard let grant = try await clients.grant(ofToken: id) else {
                logger.warning("a duplicated token has no grant to revoke", metadata: ["alert": "\(alert)"])
                return
            }
            try await clients.revokeGrant(grant, household: household, actor: Self.actor, reason: reason)
        case .holdCommand(let command):
            try await held.keep(command, alert: alert)
        case .rateLimit, .liftRateLimit, .limitFlow, .liftFlowLimit, .blockSource, .disconnect:
            applyNow(action)
        }
    }

    /// Undoes what an acknowledged alert left in force in this process: a source's block, a
    /// device's rate limit and its flows' limits.
    func lift(_ alert: Alert) {
        guard let suspect = Suspect(alert.suspect) else { return }
        switch (alert.kind, suspect.kind) {
        case (.bruteForce, .source):
            blocklist.lift(suspect.id)
        case (.messageStorm, .device):
            if let device = DeviceID(suspect.id) {
                broker?.limitRate(of: device, perSecond: 0)
                telemetry?.declaredRates.lift(device: device)
            }
        default:
            break
        }
    }
}
