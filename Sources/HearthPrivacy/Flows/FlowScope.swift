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
        guard isModelName(name) else { throw HearthError(.invalidInput, "a device model name is \(modelNameRule)") }
        return name
    }

    public static let modelNameRule = "1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"

    public static func isModelName(_ name: String) -> Bool {
        let letterOrDigit = { (byte: UInt8) in byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 }
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), let first = bytes.first, letterOrDigit(first) else { return false }
        return bytes.allSatisfy { letterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public var description: String {
        switch self {
        case .device(let id): "device:\(id.rawValue)"
        case .model(let name): "model:\(name)"
        }
    }
}
