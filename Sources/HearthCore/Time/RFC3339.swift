import Foundation

/// Times as people and APIs write them: RFC 3339, with or without fractional seconds.
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// UTC, whole seconds: `2026-11-23T16:00:00Z`.
    public static func format(_ date: Date) -> String { date.formatted(.iso8601) }
}
