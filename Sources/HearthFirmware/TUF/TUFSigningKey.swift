import Crypto
import Foundation
import HearthCore

/// A private key that signs TUF metadata: the hub's role keys (sealed under the KEK) and a
/// maker's release key (a PKCS#8 PEM file, which `openssl genpkey` makes too).
public struct TUFSigningKey: Sendable {
    private enum Secret: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case ecdsaP256(P256.Signing.PrivateKey)
    }
    private let secret: Secret
    public let publicKey: TUFKey

    public static func generate(_ algorithm: TUFKey.Algorithm = .ed25519) -> TUFSigningKey {
        switch algorithm {
        case .ed25519: TUFSigningKey(.ed25519(Curve25519.Signing.PrivateKey()))
        case .ecdsaP256: TUFSigningKey(.ecdsaP256(P256.Signing.PrivateKey()))
        }
    }

    private init(_ secret: Secret) {
        self.secret = secret
        // Both public forms are what TUFKey accepts, so this cannot fail.
        switch secret {
        case .ed25519(let key):
            publicKey = try! TUFKey(algorithm: .ed25519, publicValue: key.publicKey.rawRepresentation.hexString)
        case .ecdsaP256(let key):
            publicKey = try! TUFKey(algorithm: .ecdsaP256, publicValue: key.publicKey.pemRepresentation)
        }
    }

    /// Signs `message` as TUF expects: Ed25519 raw, ECDSA over SHA-256 with a DER signature; hex.
    public func sign(_ message: [UInt8]) throws -> String {
        switch secret {
        case .ed25519(let key): try key.signature(for: message).hexString
        case .ecdsaP256(let key): try key.signature(for: SHA256.hash(data: message)).derRepresentation.hexString
        }
    }

    // MARK: at rest

    /// The PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
    private static let ed25519Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// PKCS#8 DER: what is sealed under the KEK, and what a PEM file holds.
    public var pkcs8: [UInt8] {
        switch secret {
        case .ed25519(let key): Self.ed25519Prefix + key.rawRepresentation
        case .ecdsaP256(let key): Array(key.derRepresentation)
        }
    }

    public var pem: String {
        let body = Data(pkcs8).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\n"
    }

    public init(pkcs8 der: [UInt8]) throws(TUFError) {
        if der.count == Self.ed25519Prefix.count + 32, der.starts(with: Self.ed25519Prefix),
           let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        {
            self.init(.ed25519(key))
        } else if let key = try? P256.Signing.PrivateKey(derRepresentation: der) {
            self.init(.ecdsaP256(key))
        } else {
            throw .key("a signing key is an Ed25519 or ECDSA P-256 private key in PKCS#8")
        }
    }

    /// A PEM private key: PKCS#8 (`PRIVATE KEY`) or, for P-256, SEC 1 (`EC PRIVATE KEY`).
    public init(pem: String) throws(TUFError) {
        if pem.contains("BEGIN EC PRIVATE KEY"), let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(.ecdsaP256(key))
            return
        }
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN PRIVATE KEY-----"),
              let end = lines.firstIndex(of: "-----END PRIVATE KEY-----"), begin < end,
              let der = Data(base64Encoded: lines[(begin + 1)..<end].joined())
        else { throw .key("a signing key file is a PEM private key (-----BEGIN PRIVATE KEY-----)") }
        try self.init(pkcs8: Array(der))
    }
}
