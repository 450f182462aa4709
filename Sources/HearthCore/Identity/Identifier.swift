/// A random 128-bit identifier, written as 22 URL-safe base64 characters.
///
/// Identifiers are never derived from names, serial numbers or MAC addresses: such a value
/// would leak who or what the entity is to anyone who sees the id (a topic name, a SAN URI,
/// a log line). The phantom `Entity` keeps a household id from being passed where a device
/// id is expected.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The canonical text form: base64url without padding of 16 random bytes.
    public let rawValue: String

    /// Makes a fresh identifier from the system's cryptographically secure generator.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    /// Makes an identifier from the given generator; only tests should pass their own.
    ///
    /// One that would begin with `-` is drawn again: ids are arguments of command lines
    /// (`hearth devices move ID`), where a leading dash reads as an option.
    public init(using generator: inout some RandomNumberGenerator) {
        var text = Base64URL.encode(SecureRandom.bytes(16, using: &generator))
        while text.hasPrefix("-") { text = Base64URL.encode(SecureRandom.bytes(16, using: &generator)) }
        self.rawValue = text
    }

    /// Parses the text form; `nil` unless it is exactly 22 base64url characters encoding 16 bytes.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 22, let bytes = Base64URL.decode(text), bytes.count == 16,
              Base64URL.encode(bytes) == text
        else { return nil }
        self.rawValue = String(text)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = Identifier(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a 22-character URL-safe identifier")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
