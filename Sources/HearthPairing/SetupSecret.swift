import Crypto
import HearthCore

/// Pairing with a setup secret printed on the device (QR code or label) and handed to the hub
/// by its owner.
///
/// From the secret come three values (HKDF-SHA256): a public `id` by which the hub finds the
/// expectation without the device revealing the secret, a device MAC key and a hub MAC key. The
/// device's proof covers its CSR and the hub TLS key it saw; the hub's proof covers the same plus
/// the certificate and root it returns. A machine in the middle lacks the secret, so it can
/// neither change the CSR (the device's MAC breaks) nor relay it from behind its own TLS key
/// (the hub sees a key that is not its own), nor make the device accept another root (the hub's
/// MAC breaks).
public struct SetupSecret: Sendable {
    /// At least 128 bits; the hub makes 160.
    public static let minimumBytes = 16
    static let alphabet = Array("ABCDEFGHJKMNPQRSTVWXYZ0123456789".utf8)  // 32 symbols, no I L O U

    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= Self.minimumBytes, bytes.count <= 64 else {
            throw HearthError(.invalidInput, "a setup secret has 128 to 512 bits")
        }
        self.bytes = bytes
    }

    /// A new 160-bit secret (for a device maker, a test or the virtual device).
    public static func generate() -> SetupSecret {
        // Force-unwrap-free: 20 bytes always satisfies the bounds.
        (try? SetupSecret(bytes: SecureRandom.bytes(20)))!
    }

    /// Parses the printed form: base32 in the alphabet above, any case, groups separated by
    /// hyphens or spaces.
    public init(text: String) throws {
        var bits: UInt32 = 0
        var count = 0
        var bytes: [UInt8] = []
        for character in text.uppercased().utf8 where character != 0x2D && character != 0x20 {
            guard let value = Self.alphabet.firstIndex(of: character) else {
                throw HearthError(.invalidInput, "a setup secret uses the letters and digits printed on the device's label")
            }
            bits = bits << 5 | UInt32(value)
            count += 5
            if count >= 8 {
                count -= 8
                bytes.append(UInt8(bits >> UInt32(count) & 0xFF))
            }
        }
        try self.init(bytes: bytes)
    }

    /// The printed form, in groups of four.
    public var text: String {
        var symbols: [UInt8] = []
        var bits: UInt32 = 0
        var count = 0
        for byte in bytes {
            bits = bits << 8 | UInt32(byte)
            count += 8
            while count >= 5 {
                count -= 5
                symbols.append(Self.alphabet[Int(bits >> UInt32(count) & 0x1F)])
            }
        }
        if count > 0 { symbols.append(Self.alphabet[Int(bits << UInt32(5 - count) & 0x1F)]) }
        var grouped: [UInt8] = []
        for (index, symbol) in symbols.enumerated() {
            if index > 0, index % 4 == 0 { grouped.append(0x2D) }
            grouped.append(symbol)
        }
        return String(decoding: grouped, as: UTF8.self)
    }

    private func derive(_ info: String, _ count: Int) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), salt: Array("hearth-pairing-v1".utf8), info: Array(info.utf8),
            outputByteCount: count)
        return key.withUnsafeBytes { Array($0) }
    }

    /// The public name of the expectation: 16 derived bytes, hex.
    public var id: String { derive("expectation id", 16).hexString }

    /// What the hub stores (sealed): the two MAC keys, 64 bytes. The secret itself is not needed.
    public var macKeys: [UInt8] { derive("device mac", 32) + derive("hub mac", 32) }
}

/// The two proofs of secret pairing, computed from ``SetupSecret/macKeys``.
public struct SetupSecretProofs: Sendable {
    let deviceKey: SymmetricKey
    let hubKey: SymmetricKey

    public init(macKeys: [UInt8]) throws {
        guard macKeys.count == 64 else { throw HearthError(.sealing, "stored pairing keys have the wrong length") }
        deviceKey = SymmetricKey(data: macKeys[0..<32])
        hubKey = SymmetricKey(data: macKeys[32..<64])
    }

    /// The device's proof: it knows the secret, sends this CSR, and saw this hub key.
    public func deviceProof(id: String, material: PairingMaterial, deviceNonce: [UInt8]) -> [UInt8] {
        let transcript = PairingTranscript.of(
            "hearth setup-secret device v1", [Array(id.utf8), material.csrHash, deviceNonce, material.hubKeyHash])
        return Array(HMAC<SHA256>.authenticationCode(for: transcript, using: deviceKey))
    }

    /// The hub's answer: it knows the secret, and issued this certificate under this root.
    public func hubProof(
        id: String, material: PairingMaterial, deviceNonce: [UInt8], certificateDER: [UInt8], rootDER: [UInt8]
    ) -> [UInt8] {
        let transcript = PairingTranscript.of(
            "hearth setup-secret hub v1",
            [Array(id.utf8), material.csrHash, deviceNonce, material.hubKeyHash, Digest.sha256(certificateDER),
             Digest.sha256(rootDER)])
        return Array(HMAC<SHA256>.authenticationCode(for: transcript, using: hubKey))
    }
}
