/// Why a payload does not match its flow's schema: where (a JSON pointer into the payload), which
/// keyword, and a short message.
///
/// Sent back to devices and logged, so it is made only of what the schema says, never of what the
/// payload holds: no values, and no member names the schema does not declare (a member accepted
/// through `additionalProperties` is reported at its object's location, since its name is the
/// device's data, e.g. a MAC address used as a key).
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// RFC 6901; `""` is the payload itself.
    public let pointer: String
    /// The keyword that failed (`maximum`, `required`…), `false` for a `false` schema.
    public let keyword: String
    /// E.g. `maximum 60 exceeded`.
    public let message: String

    public init(pointer: String, keyword: String, message: String) {
        self.pointer = pointer
        self.keyword = keyword
        self.message = message
    }

    /// `/temp: maximum 60 exceeded`.
    public var description: String { pointer.isEmpty ? message : "\(pointer): \(message)" }
}

/// RFC 6901 JSON pointers, for locations in schemas and payloads.
enum JSONPointer {
    /// `name` as one reference token: `~` as `~0`, `/` as `~1`.
    static func token(_ name: String) -> String {
        guard name.contains(where: { $0 == "~" || $0 == "/" }) else { return name }
        var escaped = ""
        for character in name {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func appending(_ pointer: String, _ name: String) -> String { "\(pointer)/\(token(name))" }
    static func appending(_ pointer: String, _ index: Int) -> String { "\(pointer)/\(index)" }

    /// How a location is shown in a message: the pointer, `/` for the root.
    static func display(_ pointer: String) -> String { pointer.isEmpty ? "/" : pointer }
}
