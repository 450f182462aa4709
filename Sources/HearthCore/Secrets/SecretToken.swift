import Crypto

/// A bearer secret handed to a client (a session token, later pairing tokens), and the only
/// form in which Hearth keeps it: a SHA-256 digest.
///
/// Tokens carry 256 random bits, so a plain hash is enough (no salt or stretching needed, unlike
/// passwords); the digest is what gets stored and looked up.
public struct SecretToken: Sendable {
    /// The text handed out exactly once: `prefix` + base64url of 32 random bytes.
    public let value: String

    public init(prefix: String) {
        self.value = prefix + Base64URL.encode(SecureRandom.bytes(32))
    }

    public var digest: String { SecretToken.digest(of: value) }

    /// The stored form of any presented token: lower-case hex SHA-256 of its UTF-8 bytes.
    public static func digest(of presented: String) -> String {
        SHA256.hash(data: Array(presented.utf8)).hexString
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits per byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var ascii: [UInt8] = []
        ascii.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            ascii.append(digits[Int(byte >> 4)])
            ascii.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: ascii, as: UTF8.self)
    }
}

/// Compares two byte strings in time that depends only on their lengths, never on where they differ.
public func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
    return difference == 0
}
