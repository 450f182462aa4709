import Crypto
import HearthCore

/// Pairing with a code on the device's screen (RFC 8628's shape), and the value the owner
/// carries from the device's screen to the hub, which protects both directions.
///
/// There is no shared secret, so the owner is the trusted channel. The device shows a short code
/// (to find the request) and a value of two parts, `VVVVV-SSSSS`:
/// - `V` is computed over the device's CSR, its nonce, the hub's nonce and the hub TLS key it saw;
///   the hub computes it over what it received and refuses the approval if they differ, so a
///   substituted CSR or a relay from behind another TLS key never gets a certificate. The device
///   commits to its nonce before it learns the hub's and reveals it only after, so an attacker in
///   the middle cannot search for inputs that make both sides' `V` agree: when it must choose the
///   nonce it gives the device, the device's `V` is still unpredictable to it.
/// - `S` is random and never leaves the device except on its screen. The hub, given it by the
///   owner, answers with a MAC keyed by it over the certificate and root it issues, so the device
///   accepts a root only from the hub the owner typed `S` into. The MAC crosses the network only
///   after `V` matched — that is, only on a TLS connection that ends at the hub — so nobody can
///   search `S` offline; a false hub can only guess it.
public enum CodePairing {
    /// Digits in each part of the displayed value: an attacker's chance per attempt is 10⁻⁵ for
    /// each direction, and 3 wrong values end a request.
    public static let digits = 5

    /// What the device sends first instead of its nonce.
    public static func commitment(to deviceNonce: [UInt8]) -> [UInt8] {
        Digest.sha256(PairingTranscript.of("hearth code commit v1", [deviceNonce]))
    }

    /// `V`: the part of the displayed value both sides compute.
    public static func verificationValue(material: PairingMaterial, deviceNonce: [UInt8], hubNonce: [UInt8]) -> String {
        let digest = Digest.sha256(PairingTranscript.of(
            "hearth code verify v1", [material.csrHash, deviceNonce, hubNonce, material.hubKeyHash]))
        return decimal(digest)
    }

    /// `S`: the device's secret part, new for every request.
    public static func makeConfirmation() -> String { decimal(SecureRandom.bytes(8)) }

    /// What the device displays: `V-S`.
    public static func displayedValue(verification: String, confirmation: String) -> String {
        verification + "-" + confirmation
    }

    /// Splits what the owner typed (spaces and hyphens ignored) into `V` and `S`.
    public static func parseDisplayed(_ typed: String) throws -> (verification: String, confirmation: String) {
        let figures = typed.filter { $0 != "-" && !$0.isWhitespace }
        guard figures.count == 2 * digits, figures.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw HearthError(
                .invalidInput, "the verification value is \(2 * digits) digits as the device shows it (\(String(repeating: "N", count: digits))-\(String(repeating: "N", count: digits)))")
        }
        return (String(figures.prefix(digits)), String(figures.suffix(digits)))
    }

    /// The hub's answer, keyed by `S`: it issued this certificate under this root for the request
    /// whose inputs the device knows.
    public static func hubProof(
        confirmation: String, material: PairingMaterial, deviceNonce: [UInt8], hubNonce: [UInt8], certificateDER: [UInt8],
        rootDER: [UInt8]
    ) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(confirmation.utf8)), salt: Array("hearth-pairing-v1".utf8),
            info: Array("code hub proof".utf8), outputByteCount: 32)
        let transcript = PairingTranscript.of(
            "hearth code hub v1",
            [material.csrHash, deviceNonce, hubNonce, material.hubKeyHash, Digest.sha256(certificateDER),
             Digest.sha256(rootDER)])
        return Array(HMAC<SHA256>.authenticationCode(for: transcript, using: key))
    }

    private static func decimal(_ bytes: [UInt8]) -> String {
        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % modulus
        let text = String(number)
        return String(repeating: "0", count: digits - text.count) + text
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
