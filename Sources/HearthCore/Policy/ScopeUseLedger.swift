import Synchronization

/// Which scopes access tokens were used for, noted as the uses happen — an HTTP call that needed
/// a scope, an MQTT subscription or command a scope allowed — and drained once a minute into the
/// store, per grant (`hearth checkup` names grants broader than what their app uses). A set per
/// token: a token used a thousand times for one scope is one entry.
public final class ScopeUseLedger: Sendable {
    /// What a use was made with: an access token (its `jti`), or an integration's certificate,
    /// which stands for its grant directly.
    public enum User: Hashable, Sendable {
        case token(String)
        case grant(String)
    }

    private let pending = Mutex<[User: Set<String>]>([:])

    public init() {}

    public func note(_ user: User, scope: String) {
        pending.withLock { _ = $0[user, default: []].insert(scope) }
    }

    /// Everything noted since the last drain.
    public func drain() -> [User: Set<String>] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }
}
