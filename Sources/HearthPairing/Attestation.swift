import Crypto
import HearthCore
import SwiftASN1
import X509

/// Zero-touch pairing: the device proves it is a genuine product of a manufacturer the hub
/// trusts by signing, with the attestation key the manufacturer certified, the hub's single-use
/// challenge together with its CSR and the hub TLS key it saw.
///
/// The signature makes the request the device's own: a machine in the middle can neither swap
/// the CSR (the signature breaks) nor relay it from behind its own TLS key (the hub sees a key
/// that is not its own inside the signature), nor replay it (the challenge is used once).
public enum Attestation {
    /// The bytes the attestation key signs.
    public static func signedBytes(challenge: [UInt8], material: PairingMaterial) -> [UInt8] {
        PairingTranscript.of("hearth attest v1", [challenge, material.csrHash, material.hubKeyHash])
    }

    /// The device's signature (P-256 attestation keys: ECDSA with SHA-256, DER).
    public static func sign(challenge: [UInt8], material: PairingMaterial, key: P256.Signing.PrivateKey) throws -> [UInt8] {
        Array(try key.signature(for: signedBytes(challenge: challenge, material: material)).derRepresentation)
    }

    /// The hub's answer to a device that has a claim code (printed with its serial and given to the
    /// hub by the owner): a MAC keyed by the code over the challenge, CSR, hub key, and the
    /// certificate and root returned — the setup-secret proof, with the serial as its id.
    public static func hubProof(
        claimCode: SetupSecretProofs, serial: String, challenge: [UInt8], material: PairingMaterial, certificateDER: [UInt8],
        rootDER: [UInt8]
    ) -> [UInt8] {
        claimCode.hubProof(
            id: "claim:" + serial, material: material, deviceNonce: challenge, certificateDER: certificateDER, rootDER: rootDER)
    }

    /// Checks the signature with the attestation certificate's key.
    public static func verify(
        signature: [UInt8], challenge: [UInt8], material: PairingMaterial, attestation: Certificate
    ) -> Bool {
        guard let key = P256.Signing.PublicKey(attestation.publicKey),
              let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature)
        else { return false }
        return key.isValidSignature(parsed, for: signedBytes(challenge: challenge, material: material))
    }

    /// The device's serial as its manufacturer certified it: the subject's serialNumber attribute
    /// (2.5.4.5), or else the certificate's serial number in hex.
    public static func deviceSerial(of attestation: Certificate) -> String {
        let serialNumber: ASN1ObjectIdentifier = [2, 5, 4, 5]
        for rdn in attestation.subject {
            for attribute in rdn where attribute.type == serialNumber {
                if let text = String(attribute.value), !text.isEmpty { return text }
            }
        }
        return Array(attestation.serialNumber.bytes).hexString
    }
}
