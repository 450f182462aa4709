import Foundation
import HearthCore

/// An `application/x-www-form-urlencoded` body (or query) with RFC 6749's rules: each parameter
/// at most once (§3.1, §3.2), empty values treated as absent.
public struct OAuthForm: Sendable {
    private let values: [String: String]

    public init(parsing text: String) throws(OAuthError) {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw OAuthError(.invalidRequest, "the request is not valid form encoding")
            }
            guard values[name] == nil else {
                throw OAuthError(.invalidRequest, "parameter '\(Self.safeName(name))' is repeated")
            }
            if !value.isEmpty { values[name] = value }
        }
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// Every parameter, ordered by the name's UTF-8 bytes. (Not by `String`'s `<`: it compares
    /// canonically equivalent text, and for ";i" against U+037E — GREEK QUESTION MARK, equivalent
    /// to ";" — its answer depended on the order they came in, so one form listed its fields in two
    /// orders; the oauth-form fuzz target found it.)
    public var fields: [(name: String, value: String)] {
        values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }

    /// A parameter that must be present.
    public func required(_ name: String) throws(OAuthError) -> String {
        guard let value = values[name] else { throw OAuthError(.invalidRequest, "parameter '\(name)' is required") }
        return value
    }

    /// Form encoding for a query or a body (RFC 3986 unreserved characters kept).
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `+` is a space and `%XX` a byte; nil for a broken escape or bytes that are not UTF-8.
    /// On bytes: every token request decodes its whole body, and Foundation's percent decoding
    /// cost more than the rest of the form handling.
    public static func decode(_ part: Substring) -> String? {
        let utf8 = part.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(part) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.digitValue), let low = iterator.next().flatMap(Hex.digitValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Names are echoed in errors only when they look like parameter names, never arbitrary input.
    private static func safeName(_ name: String) -> String {
        name.count <= 40 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } ? name : "…"
    }
}
