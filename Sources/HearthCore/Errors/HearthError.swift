/// The error every Hearth library throws for a condition a user can act on.
///
/// A struct with an extensible ``Code`` rather than a public enum, so that later features can add
/// codes without breaking anyone who switches over them. ``reason`` is written by the code that
/// throws and must never contain a secret (password, token, key, one-time code): it is shown to
/// users, written to logs and sent in problem responses.
public struct HearthError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidInput = Code("invalid-input")
        public static let notFound = Code("not-found")
        public static let conflict = Code("conflict")
        public static let illegalTransition = Code("illegal-transition")
        public static let unauthenticated = Code("unauthenticated")
        public static let forbidden = Code("forbidden")
        public static let throttled = Code("throttled")
        public static let alreadyInitialized = Code("already-initialized")
        public static let notInitialized = Code("not-initialized")
        public static let schemaTooNew = Code("schema-too-new")
        public static let storageUnavailable = Code("storage-unavailable")
        public static let configuration = Code("configuration")
        public static let sealing = Code("sealing")
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
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
