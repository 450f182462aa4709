/// The names that appear in topics, scopes and certificate profiles — zones, telemetry flows,
/// bridge destinations: 1–32 characters of `a-z`, `0-9` and `-`, starting with a letter.
public enum ShortName {
    /// The rule, for error messages: "… is <rule>".
    public static let rule = "1-32 characters of a-z, 0-9 and '-', starting with a letter"

    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...32).contains(bytes.count), let first = bytes.first, first &- UInt8(ascii: "a") < 26 else { return false }
        return bytes.allSatisfy { $0 &- UInt8(ascii: "a") < 26 || $0 &- UInt8(ascii: "0") < 10 || $0 == UInt8(ascii: "-") }
    }
}
