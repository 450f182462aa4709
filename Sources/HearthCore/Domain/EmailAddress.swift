/// An email address used as a sign-in name, kept in one canonical form (trimmed, lower-cased) so
/// that `Ann@Example.org` and `ann@example.org` are one account.
///
/// The check is deliberately modest — one `@`, a non-empty local part, a domain with a dot or
/// `localhost`-style single label, no spaces or control characters, at most 254 bytes — because the
/// address is only a name here; nothing is ever mailed to it.
public struct EmailAddress: ValidatedText, CustomStringConvertible {
    public let rawValue: String

    public init(_ text: String) throws {
        let canonical = text.trimmingWhitespace().lowercased()
        let parts = canonical.split(separator: "@", omittingEmptySubsequences: false)
        guard canonical.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].utf8.count <= 64,
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
              canonical.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else {
            throw HearthError(.invalidInput, "not a valid email address")
        }
        self.rawValue = canonical
    }

    public var description: String { rawValue }
    public var text: String { rawValue }
}
