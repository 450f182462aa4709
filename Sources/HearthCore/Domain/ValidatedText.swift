/// A value that is a string checked on the way in (an email address, a zone name). Encodes as
/// the plain string; decoding runs the same check and reports a failure as a decoding error.
public protocol ValidatedText: Codable, Hashable, Sendable {
    init(_ text: String) throws
    var text: String { get }
}

extension ValidatedText {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(try container.decode(String.self))
        } catch let error as HearthError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A name people give to things (households, devices): trimmed, 1 to 100 characters, no
/// control characters.
public enum Label {
    public static func validated(_ name: String, what: String) throws -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 100,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw HearthError(.invalidInput, "a \(what) name must be 1 to 100 printable characters")
        }
        return trimmed
    }
}
