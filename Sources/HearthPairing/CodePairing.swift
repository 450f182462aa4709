import Crypto
import HearthCore

/// Pairing with a code on the device's screen (RFC 8628's shape), and the verification value
/// that catches a machine in the middle.
///
/// There is no shared secret, so the owner compares: the device shows a short code (to find the
/// request) and a 6-digit verification value computed over its CSR, its nonce, the hub's nonce
/// and the hub TLS key it saw; the hub computes the same over what it received, and approval
/// needs the owner to type the device's value. An attacker who substitutes the CSR or relays from
/// behind its own TLS key changes one side's inputs, so the values differ. The device commits to
/// its nonce (sends its hash) before it learns the hub's nonce and reveals it only after, so an
/// attacker in the middle cannot search for inputs that make both values agree: at the moment it
/// must choose the nonce it gives the device, the device's value is still unpredictable to it.
public enum CodePairing {
    /// What the device sends first instead of its nonce.
    public static func commitment(to deviceNonce: [UInt8]) -> [UInt8] {
        Digest.sha256(PairingTranscript.of("hearth code commit v1", [deviceNonce]))
    }

    /// The 6-digit value the device displays and the owner confirms.
    public static func verificationValue(material: PairingMaterial, deviceNonce: [UInt8], hubNonce: [UInt8]) -> String {
        let digest = Digest.sha256(PairingTranscript.of(
            "hearth code verify v1", [material.csrHash, deviceNonce, hubNonce, material.hubKeyHash]))
        let number = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 1_000_000
        let digits = String(number)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }
}

/// The short code a device displays so the owner can find its request: 8 letters from an
/// alphabet without vowels or look-alikes (RFC 8628 §6.1), shown `XXXX-XXXX`; about 34.5 bits,
/// alive 10 minutes, single use, and guesses are throttled.
public struct UserCode: Sendable, Hashable {
    static let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ".utf8)
    public static let length = 8

    /// The canonical form: 8 upper-case letters, no separator.
    public let canonical: String

    public static func generate() -> UserCode {
        var letters: [UInt8] = []
        while letters.count < length {
            // Rejection sampling keeps every letter equally likely (256 is not a multiple of 20).
            for byte in SecureRandom.bytes(16) where byte < 240 && letters.count < length {
                letters.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return UserCode(canonical: String(decoding: letters, as: UTF8.self))
    }

    private init(canonical: String) { self.canonical = canonical }

    /// Parses what a person typed: any case, hyphens and spaces ignored.
    public init(typed: String) throws {
        let letters = typed.uppercased().utf8.filter { $0 != 0x2D && $0 != 0x20 }
        guard letters.count == Self.length, letters.allSatisfy(Self.alphabet.contains) else {
            throw HearthError(.invalidInput, "a pairing code is 8 letters, as the device shows it (XXXX-XXXX)")
        }
        canonical = String(decoding: letters, as: UTF8.self)
    }

    public var display: String { canonical.prefix(4) + "-" + canonical.dropFirst(4) }
}
