/// One value of a parsed JSON text, as the parser's flat token array holds it.
///
/// A container's members follow it directly (an object's as key, value, key, value…), and `next`
/// skips its whole subtree, so a walk never recurses to find a sibling and nothing is allocated
/// per value. 16 bytes; offsets are 32-bit, so a text is at most 4 GiB (far beyond any payload).
public struct JSONToken: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case object, array, string, number, `true`, `false`, null
    }

    public var kind: Kind
    /// `Flags`: what the parser learned that readers would otherwise have to find again.
    var flags: UInt8
    /// For an object's member name, `JSONStrings.fingerprint` of its value (in the two bytes the
    /// layout leaves free): name lookups compare it before any bytes.
    var fingerprint: UInt16 = 0
    /// The value's first byte (a string's opening quote).
    public var start: UInt32
    /// Past the value's last byte (a string's closing quote, a container's closing bracket).
    public var end: UInt32
    /// The index of the token after this value and everything inside it.
    public var next: UInt32

    init(kind: Kind, flags: UInt8, start: UInt32, end: UInt32, next: UInt32) {
        self.kind = kind
        self.flags = flags
        self.start = start
        self.end = end
        self.next = next
    }

    /// The same token with its offsets moved by `distance` bytes (wrapping, so a distance of
    /// `0 &- n` moves it back): a member remembered at one place of one payload, found at another.
    func moved(by distance: UInt32) -> JSONToken {
        var token = self
        (token.start, token.end) = (start &+ distance, end &+ distance)
        return token
    }

    enum Flags {
        /// A string with at least one backslash escape: its bytes are not its value.
        static let escaped: UInt8 = 1
        /// A number written without fraction or exponent: an integer, whatever its size.
        static let integerSyntax: UInt8 = 2
    }

    /// A string whose text between the quotes is exactly its UTF-8 value.
    public var isVerbatimString: Bool { kind == .string && flags & Flags.escaped == 0 }
    /// A number written as `-?digits`, without fraction or exponent.
    public var hasIntegerSyntax: Bool { kind == .number && flags & Flags.integerSyntax != 0 }
}
