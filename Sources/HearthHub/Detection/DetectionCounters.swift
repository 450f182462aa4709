import HearthDetection
import Synchronization

/// Running totals since the hub started, for `/metrics`: signals by kind, refused credentials by
/// kind, denied MQTT packets, alerts by finding, containment by action, signals that did not fit
/// the inbox. Counted by the detection service each round, never on a hot path.
package final class DetectionCounters: Sendable {
    package struct Totals: Sendable {
        package var signals: [String: Int64] = [:]
        package var authenticationFailures: [AuthenticationKind: Int64] = [:]
        package var handshakeRefusals: [HandshakeRefusal: Int64] = [:]
        package var denied: Int64 = 0
        package var alerts: [FindingKind: Int64] = [:]
        package var actions: [String: Int64] = [:]
        package var overflow: Int64 = 0
    }

    private let totals = Mutex(Totals())

    package init() {}

    package var snapshot: Totals { totals.withLock { $0 } }

    func count(_ signals: [Signal], overflow: Int) {
        totals.withLock { totals in
            totals.overflow += Int64(overflow)
            for signal in signals {
                totals.signals[signal.name, default: 0] += 1
                switch signal {
                case .authenticationFailed(let kind, _, _, _): totals.authenticationFailures[kind, default: 0] += 1
                case .handshakeRefused(let reason, _, _):
                    totals.handshakeRefusals[reason, default: 0] += 1
                    if reason == .clientCertificate { totals.authenticationFailures[.clientCertificate, default: 0] += 1 }
                case .denials(_, _, _, let count, _, _): totals.denied += Int64(count)
                default: break
                }
            }
        }
    }

    func count(_ response: Response) {
        totals.withLock { totals in
            if !response.escalates { totals.alerts[response.finding.kind, default: 0] += 1 }
            for action in response.actions { totals.actions[action.name, default: 0] += 1 }
        }
    }
}
