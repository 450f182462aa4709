/// A validated set of the hub's scopes (RFC 6749 §3.3), narrow by design: each names one kind of
/// action, and zone- or flow-wide ones name the zone or flow. There are no wildcards.
///
/// Grammar (case-sensitive), where `<zone>` and `<flow>` are 1–32 characters of `[a-z0-9-]`:
/// `devices:read`, `devices:control:<zone>`, `devices:manage`, `devices:transfer`,
/// `pairing:approve`, `telemetry:read:<flow>`, `audit:read`, `ca:admin`, `clients:manage`,
/// `offline_access`, `hub:admin`, `alerts:read`, `discovery:read`.
public struct ScopeSet: Sendable, Equatable {
    /// Sorted, so that equal sets have equal ``text``.
    public let tokens: [String]

    static let maximumCount = 30
    private static let fixed: Set<String> = [
        "devices:read", "devices:manage", "devices:transfer", "pairing:approve", "audit:read", "ca:admin",
        "clients:manage", "offline_access", "hub:admin", "alerts:read", "discovery:read",
    ]
    private static let parameterized = ["devices:control:", "telemetry:read:"]
    /// Scopes whose grant or use needs a recent second factor. `pairing:approve` is listed as a
    /// whole: the hub asks for step-up when it is used on a device in the security zone, which
    /// only the approval knows.
    private static let stepUp: Set<String> = ["pairing:approve", "devices:transfer", "ca:admin", "hub:admin"]

    /// Parses a `scope` parameter: tokens separated by single spaces, none repeated. The empty
    /// string is the empty set; whether that is acceptable is the grant's decision.
    public init(parsing text: String) throws {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= Self.maximumCount else {
            throw OAuthError(.invalidScope, "at most \(Self.maximumCount) scopes can be requested at once")
        }
        guard parts.allSatisfy(Self.isValid) else {
            throw OAuthError(.invalidScope, "the scope contains a value this hub does not define")
        }
        guard Set(parts).count == parts.count else { throw OAuthError(.invalidScope, "the scope repeats a value") }
        tokens = parts.sorted()
    }

    public var text: String { tokens.joined(separator: " ") }

    public var isEmpty: Bool { tokens.isEmpty }

    public func contains(_ token: String) -> Bool { tokens.contains(token) }

    public func isSubset(of other: ScopeSet) -> Bool { Set(tokens).isSubset(of: other.tokens) }

    public var needsStepUp: Bool { tokens.contains(where: Self.stepUp.contains) }

    static func isValid(_ token: String) -> Bool {
        if fixed.contains(token) { return true }
        guard let prefix = parameterized.first(where: token.hasPrefix) else { return false }
        let name = token.utf8.dropFirst(prefix.utf8.count)
        return (1...32).contains(name.count)
            && name.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
    }
}
