import Foundation
import HearthDetection

/// What a failure throttle tells detection about each refused attempt: the kind of guessing it
/// throttles, the source address and the target, read from the throttle's keys.
///
/// Throttle keys are `<purpose>:<value>`; a purpose ending in `source` (`source:`,
/// `pairing-source:`, `oauth-source:`) names the address, any other key (an account, a
/// household's pairing codes, a client) the target.
public struct FailureSignals: Sendable {
    let inbox: SignalInbox
    let kind: AuthenticationKind

    public init(_ inbox: SignalInbox, _ kind: AuthenticationKind) {
        self.inbox = inbox
        self.kind = kind
    }

    func failed(_ keys: [String], at now: Date) {
        var source: String?
        var target: String?
        for key in keys {
            guard let colon = key.firstIndex(of: ":") else { continue }
            let value = String(key[key.index(after: colon)...])
            if key[..<colon].hasSuffix("source") {
                if value != "unknown" { source = source ?? value }
            } else {
                target = target ?? key
            }
        }
        inbox.post(.authenticationFailed(kind, source: source, target: target, at: now))
    }
}
