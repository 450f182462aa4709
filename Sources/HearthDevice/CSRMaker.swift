import Crypto
import HearthPairing
import SwiftASN1
import X509

/// A PKCS#10 certificate request (RFC 2986) as sent to the hub.
public struct DeviceCSR: Sendable, Hashable {
    public let der: [UInt8]
    public let pem: String

    /// SHA-256 of the DER: what pairing proofs and verification values bind.
    public var hash: [UInt8] { PairingMaterial.hash(der) }
}

/// Makes the device's certificate requests.
public enum CSRMaker {
    /// A request for `key`, signed with it (ECDSA with SHA-256 for P-256), whose subject is only
    /// `CN=device`: the hub names the device (its URI SAN) itself, and nothing personal — owner,
    /// room, serial or MAC address — should travel in a request anyone on the network may read.
    public static func make(for key: DeviceKey) throws -> DeviceCSR {
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("device") }, privateKey: key.signingKey,
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: signatureAlgorithm(for: key))
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        let der = serializer.serializedBytes
        return DeviceCSR(der: der, pem: PEMDocument(type: "CERTIFICATE REQUEST", derBytes: der).pemString + "\n")
    }

    /// The signature algorithm that matches the key's type (a secure element may hold P-384 or Ed25519).
    static func signatureAlgorithm(for key: DeviceKey) -> Certificate.SignatureAlgorithm {
        if P384.Signing.PublicKey(key.publicKey) != nil { return .ecdsaWithSHA384 }
        if Curve25519.Signing.PublicKey(key.publicKey) != nil { return .ed25519 }
        return .ecdsaWithSHA256
    }
}
