import HearthCore

/// What a flow declaration covers: one device (declared by an owner) or every device of a model
/// (from a maker's signed document, or an owner). A device follows its own declarations first,
/// then its model's. Stored as `device:<id>` or `model:<name>`.
public enum FlowScope: Sendable, Hashable, CustomStringConvertible {
    case device(DeviceID)
    case model(String)

    public init(_ text: String) throws(HearthError) {
        if text.hasPrefix("device:"), let id = DeviceID(text.dropFirst("device:".count)) {
            self = .device(id)
        } else if text.hasPrefix("model:") {
            self = .model(try Self.model(String(text.dropFirst("model:".count))))
        } else {
            throw HearthError(.invalidInput, "a flow scope is device:<device id> or model:<model name>")
        }
    }

    /// A model name: 1–64 characters of a–z, 0–9, `.`, `_` and `-`, starting with a letter or digit.
    public static func model(_ name: String) throws(HearthError) -> String {
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard (1...64).contains(bytes.count), allowed, let first = bytes.first, first != 0x2E, first != 0x5F, first != 0x2D else {
            throw HearthError(
                .invalidInput, "a device model name is 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        }
        return name
    }

    public var description: String {
        switch self {
        case .device(let id): "device:\(id.rawValue)"
        case .model(let name): "model:\(name)"
        }
    }
}
