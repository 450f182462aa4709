import Foundation

/// What every role's `signed` part carries: its type, the specification version, its version and
/// when it expires.
public struct MetadataHeader: Sendable, Hashable {
    /// The TUF specification version the hub writes (python-tuf's, at the time of writing).
    public static let specVersion = "1.0.31"

    public let type: String
    public var version: Int64
    public var expires: Date

    public init(type: String, version: Int64, expires: Date) {
        self.type = type
        self.version = version
        self.expires = TUFTime.truncated(expires)
    }

    public init(_ signed: JSONValue, type expected: String) throws(TUFError) {
        guard let type = signed["_type"]?.string, type == expected else {
            throw .malformed("expected \(expected) metadata, found \(signed["_type"]?.string ?? "no _type")")
        }
        guard let spec = signed["spec_version"]?.string, spec.split(separator: ".").first == "1" else {
            throw .malformed("the \(expected) metadata's spec_version must be 1.x")
        }
        guard let version = signed["version"]?.integer, version >= 1 else {
            throw .malformed("the \(expected) metadata's version is an integer from 1")
        }
        guard let text = signed["expires"]?.string, let expires = TUFTime.parse(text) else {
            throw .malformed("the \(expected) metadata's expires is a time like 2030-01-01T00:00:00Z")
        }
        self.init(type: type, version: version, expires: expires)
    }

    var json: [String: JSONValue] {
        [
            "_type": .string(type), "spec_version": .string(Self.specVersion), "version": .integer(version),
            "expires": .string(TUFTime.format(expires)),
        ]
    }

    /// Throws when the metadata is no longer valid at `now`.
    public func checkNotExpired(at now: Date) throws(TUFError) {
        guard expires > now else { throw .expired(role: type, expires: TUFTime.format(expires)) }
    }
}

/// TUF's times: UTC, to the second, `YYYY-MM-DDTHH:MM:SSZ`, exactly (clients parse it strictly).
public enum TUFTime {
    public static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: truncated(date))
    }

    public static func parse(_ text: String) -> Date? {
        guard text.utf8.count == 20, text.hasSuffix("Z") else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
