import HearthCore

/// Single-use recovery codes for a person who lost their authenticator: `xxxxx-xxxxx` from an
/// alphabet without vowels (no accidental words) and without look-alikes (0/o, 1/l/i).
///
/// Ten characters from 27 give about 47.5 bits, plenty for a code that is throttled and works once.
public enum RecoveryCodes {
    static let alphabet = Array("bcdfghjkmnpqrstvwxz23456789".utf8)
    static let length = 10

    public static func generate(count: Int = 10) -> [String] {
        (0..<max(0, count)).map { _ in format(randomCharacters()) }
    }

    /// The canonical form (`xxxxx-xxxxx`) of what a person typed, ignoring case, spaces and
    /// dashes; `nil` when it cannot be a recovery code. Store and compare digests of this form.
    public static func normalize(_ typed: String) -> String? {
        let characters = typed.lowercased().utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") }
        guard characters.count == length, characters.allSatisfy(alphabet.contains) else { return nil }
        return format(characters)
    }

    private static func format(_ characters: [UInt8]) -> String {
        String(decoding: characters.prefix(5) + [UInt8(ascii: "-")] + characters.dropFirst(5), as: UTF8.self)
    }

    /// Rejection sampling keeps every character equally likely: 243 is the largest multiple of 27
    /// that fits in a byte.
    private static func randomCharacters() -> [UInt8] {
        var characters = [UInt8]()
        while characters.count < length {
            for byte in SecureRandom.bytes(16) where byte < 243 && characters.count < length {
                characters.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return characters
    }
}
