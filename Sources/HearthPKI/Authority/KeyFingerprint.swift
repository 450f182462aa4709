import Crypto
import HearthCore
import X509

/// Names a public key across every certificate of the hub, so a key is never certified twice.
public enum KeyFingerprint {
    /// Hex SHA-256 of the subjectPublicKey bits (swift-certificates' `subjectPublicKeyInfoBytes`
    /// is that BIT STRING's content), the same for a CSR and for the certificate made from it.
    public static func of(_ key: Certificate.PublicKey) -> String {
        of(bits: Array(key.subjectPublicKeyInfoBytes))
    }

    public static func of(bits: [UInt8]) -> String { SHA256.hash(data: bits).hexString }
}
