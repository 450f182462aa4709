/// The error every Hearth library throws for a condition a user can act on.
///
/// A struct with an extensible ``Code`` rather than a public enum, so that later features can add
/// codes without breaking anyone who switches over them. ``reason`` is written by the code that
/// throws and must never contain a secret (password, token, key, one-time code): it is shown to
/// users, written to logs and sent in problem responses.
///
/// Adapters translate it without knowing each code: the code's ``Category`` says what kind of
/// refusal it is (an HTTP adapter maps it to a status), ``retryAfter`` says when a throttled
/// caller may try again, and ``challenge`` which credential the caller should present.
public struct HearthError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let category: Category
        public init(_ rawValue: String, _ category: Category = .internalFailure) {
            self.rawValue = rawValue
            self.category = category
        }
        public var description: String { rawValue }

        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

        public static let invalidInput = Code("invalid-input", .invalidInput)
        public static let notFound = Code("not-found", .notFound)
        public static let conflict = Code("conflict", .conflict)
        public static let illegalTransition = Code("illegal-transition", .conflict)
        public static let unauthenticated = Code("unauthenticated", .unauthenticated)
        public static let forbidden = Code("forbidden", .forbidden)
        public static let throttled = Code("throttled", .throttled)
        public static let alreadyInitialized = Code("already-initialized", .conflict)
        public static let notInitialized = Code("not-initialized")
        public static let schemaTooNew = Code("schema-too-new")
        public static let storageUnavailable = Code("storage-unavailable", .unavailable)
        /// The hub sheds this kind of work for now (``LoadGate``); `retryAfter` says when to come back.
        public static let overloaded = Code("overloaded", .unavailable)
        public static let configuration = Code("configuration")
        public static let sealing = Code("sealing")
    }

    /// What kind of refusal a code is, independent of any protocol.
    public struct Category: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Well-formed input that breaks a rule (a field out of range, a key type not accepted).
        public static let invalidInput = Category("invalid-input")
        /// A request that cannot be taken in the protocol's current state (poll again, expired).
        public static let rejected = Category("rejected")
        public static let unauthenticated = Category("unauthenticated")
        public static let forbidden = Category("forbidden")
        public static let notFound = Category("not-found")
        public static let conflict = Category("conflict")
        public static let throttled = Category("throttled")
        public static let unavailable = Category("unavailable")
        /// The hub's own fault or set-up (configuration, sealing): nothing the caller can fix.
        public static let internalFailure = Category("internal")
    }

    /// The credential a refused caller should present (RFC 6750 §3, RFC 9449 §7.1).
    public struct Challenge: Hashable, Sendable {
        /// `Bearer` or `DPoP`.
        public let scheme: String
        /// `invalid_token`, `insufficient_scope`, `invalid_dpop_proof`, or nil when no credential came.
        public let error: String?
        public let scope: String?

        public init(scheme: String, error: String? = nil, scope: String? = nil) {
            self.scheme = scheme
            self.error = error
            self.scope = scope
        }

        public static let bearer = Challenge(scheme: "Bearer")
        public static let invalidBearerToken = Challenge(scheme: "Bearer", error: "invalid_token")
    }

    public let code: Code
    public let reason: String
    /// Seconds before a throttled or shed caller may try again.
    public var retryAfter: Int?
    public var challenge: Challenge?
    public let file: String
    public let line: Int

    public init(
        _ code: Code, _ reason: String, retryAfter: Int? = nil, challenge: Challenge? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.retryAfter = retryAfter
        self.challenge = challenge
        self.file = file
        self.line = line
    }

    /// A refusal whose code exists only here, named by the code that throws it.
    public init(
        _ category: Category, code: String, _ reason: String, retryAfter: Int? = nil, challenge: Challenge? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.init(Code(code, category), reason, retryAfter: retryAfter, challenge: challenge, file: file, line: line)
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: HearthError, rhs: HearthError) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(reason)
    }
}

extension HearthError {
    /// Too many attempts of `what`; try again in `wait` seconds.
    public static func throttled(retryAfter wait: Int, _ what: String) -> HearthError {
        HearthError(.throttled, "too many \(what); try again in \(wait) s", retryAfter: wait)
    }

    /// No valid credential: sign in, or present a valid token.
    public static func unauthenticated(_ reason: String, invalidToken: Bool) -> HearthError {
        HearthError(.unauthenticated, reason, challenge: invalidToken ? .invalidBearerToken : .bearer)
    }
}
