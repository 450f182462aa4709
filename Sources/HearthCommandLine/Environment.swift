import Foundation
import HearthCore

/// The CLI is the only reader of the process environment; libraries get values passed in.
public enum Environment {
    public static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    public static func integer(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else { throw HearthError(.configuration, "\(name) must be a whole number") }
        return number
    }
}
