import Crypto
import Foundation
import HearthCore

/// A maker's public key as a maker hands it over: a PEM public key (SubjectPublicKeyInfo), from
/// `openssl pkey -pubout` or `hearth firmware keygen`.
public enum MakerKeys {
    /// The SubjectPublicKeyInfo DER prefix of an Ed25519 key (RFC 8410): the 32-byte key follows.
    private static let ed25519Prefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func publicKey(pem: String) throws(TUFError) -> TUFKey {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN PUBLIC KEY-----"), let end = lines.firstIndex(of: "-----END PUBLIC KEY-----"),
              begin < end, let der = Data(base64Encoded: lines[(begin + 1)..<end].joined())
        else { throw .key("a maker's key is a PEM public key (-----BEGIN PUBLIC KEY-----), Ed25519 or P-256") }
        let bytes = Array(der)
        if bytes.count == ed25519Prefix.count + 32, bytes.starts(with: ed25519Prefix) {
            return try TUFKey(algorithm: .ed25519, publicValue: bytes.suffix(32).hexString)
        }
        guard let key = try? P256.Signing.PublicKey(derRepresentation: bytes) else {
            throw .key("a maker's key is Ed25519 or ECDSA P-256")
        }
        return try TUFKey(algorithm: .ecdsaP256, publicValue: key.pemRepresentation)
    }

    /// A key as PEM (what `hearth firmware keygen` writes beside the private key).
    public static func pem(_ key: TUFKey) -> String {
        switch key.algorithm {
        case .ecdsaP256: return key.publicValue
        case .ed25519:
            let der = ed25519Prefix + (Hex.decode(key.publicValue) ?? [])
            return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
        }
    }
}
