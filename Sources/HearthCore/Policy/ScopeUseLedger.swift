import Synchronization

/// Which scopes access tokens were used for, noted as the uses happen — an HTTP call that needed
/// a scope, an MQTT subscription or command a scope allowed — and drained once a minute into the
/// store, per grant (`hearth checkup` names grants broader than what their app uses). A set per
/// token: a token used a thousand times for one scope is one entry.
public final class ScopeUseLedger: Sendable {
    private let pending = Mutex<[String: Set<String>]>([:])

    public init() {}

    public func note(tokenID: String, scope: String) {
        pending.withLock { _ = $0[tokenID, default: []].insert(scope) }
    }

    /// Everything noted since the last drain, by token id.
    public func drain() -> [String: Set<String>] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }
}
