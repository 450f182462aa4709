import HearthCore
import Synchronization

/// Counts policy denials per client and kind between audit flushes, so that a client refused a
/// thousand times a second costs the audit log one entry per window, not a thousand.
final class DenialLedger: Sendable {
    private struct Key: Hashable {
        let household: HouseholdID
        let auditSubject: String
        let action: PolicyAction
        let code: String
    }

    private struct Tally {
        let reason: String
        let sample: String
        var count: Int
    }

    /// Distinct kinds kept per window; beyond it new kinds are only counted in `overflow`.
    static let maximumKinds = 10_000
    private let tallies = Mutex<[Key: Tally]>([:])

    /// Per client, the denials since detection last harvested them (a shorter window than the
    /// audit's); nil when detection is off.
    struct Recent: Sendable {
        let client: BrokerClient
        let sample: String
        var count: Int
    }

    private let recent: Mutex<[String: Recent]>?

    init(detection: Bool) {
        recent = detection ? Mutex([:]) : nil
    }

    func record(_ client: BrokerClient, _ action: PolicyAction, _ decision: PolicyDecision, sample: String) {
        let key = Key(household: client.household, auditSubject: client.auditSubject, action: action, code: decision.code)
        tallies.withLock { tallies in
            if tallies[key] != nil {
                tallies[key]!.count += 1
            } else if tallies.count < Self.maximumKinds {
                tallies[key] = Tally(reason: decision.reason, sample: String(sample.prefix(256)), count: 1)
            }
        }
        recent?.withLock { recent in
            if recent[client.sessionKey] != nil {
                recent[client.sessionKey]!.count += 1
            } else if recent.count < Self.maximumKinds {
                recent[client.sessionKey] = Recent(client: client, sample: String(sample.prefix(256)), count: 1)
            }
        }
    }

    func drainRecent() -> [Recent] {
        recent?.withLock { recent in
            defer { recent.removeAll() }
            return Array(recent.values)
        } ?? []
    }

    func drain() -> [DenialSummary] {
        let drained = tallies.withLock { tallies in
            defer { tallies.removeAll() }
            return tallies
        }
        return drained.map { key, tally in
            DenialSummary(
                household: key.household, auditSubject: key.auditSubject, action: key.action, code: key.code,
                reason: tally.reason, sample: tally.sample, count: tally.count)
        }
    }
}
