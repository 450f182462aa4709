import Crypto
import Foundation
import HearthCore
import HearthPairing
import HearthPKI
import SwiftASN1
// The fixture instant decides expiry, as the hub's clock does.
@_spi(FixedExpiryValidationTime) import X509

/// The messages a device sends to pair, read and checked as the hub's pairing flows do before
/// they touch the database: the CSR, nonces and keys, the setup-secret proof, the attestation
/// chain against a manufacturer root and its signature, challenges and typed codes.
enum PairingFuzzTarget {
    static let target = FuzzTarget(name: "pairing", summary: "pairing messages and proofs (first byte: which message)") { bytes in
        let input = FuzzInput(bytes)
        let steps: [([UInt8]) throws -> Bool] = [code, poll, secret, attest, typed, challenge]
        return (try? input.pick(steps)(input.rest)) ?? false
    }

    private static func code(_ bytes: [UInt8]) throws -> Bool {
        let message = try JSONDecoder().decode(CodePairingStart.self, from: Data(bytes))
        _ = try CertificateRequest(pem: message.csr)
        _ = try key32(message.hubKey)
        return try key32(message.commitment).count == 32
    }

    private static func poll(_ bytes: [UInt8]) throws -> Bool {
        let message = try JSONDecoder().decode(CodePairingPoll.self, from: Data(bytes))
        let nonce = try PairingNonce.decode(message.deviceNonce, field: "device_nonce")
        // The hub compares the nonce's commitment with the one it stored when the pairing started.
        return constantTimeEquals(CodePairing.commitment(to: nonce), fixedCommitment)
    }

    private static func secret(_ bytes: [UInt8]) throws -> Bool {
        let message = try JSONDecoder().decode(SecretPairingRequest.self, from: Data(bytes))
        let csr = try CertificateRequest(pem: message.csr)
        let nonce = try PairingNonce.decode(message.deviceNonce, field: "device_nonce")
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: try key32(message.hubKey))
        let expected = setupProofs.deviceProof(id: setupSecret.id, material: material, deviceNonce: nonce)
        return constantTimeEquals(expected, try key32(message.proof))
    }

    private static func attest(_ bytes: [UInt8]) throws -> Bool {
        let message = try JSONDecoder().decode(AttestationPairingRequest.self, from: Data(bytes))
        let csr = try CertificateRequest(pem: message.csr)
        guard message.attestationChain.utf8.count <= 16 * 1024, let signature = Base64URL.decode(message.signature) else { return false }
        let chain = (try? PEMDocument.parseMultiple(pemString: message.attestationChain).map { try Certificate(pemDocument: $0) }) ?? []
        guard let leaf = chain.first, chain.count <= 4 else { return false }
        _ = Attestation.deviceSerial(of: leaf)
        let roots = CertificateStore([FuzzFixtures.root])
        let intermediates = CertificateStore(Array(chain.dropFirst()))
        let valid = FuzzFixtures.wait { () -> Bool in
            var verifier = Verifier(rootCertificates: roots) { RFC5280Policy(fixedExpiryValidationTime: FuzzFixtures.now) }
            if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: intermediates) { return true }
            return false
        }
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: try key32(message.hubKey))
        let challenge = try key32(message.challenge)
        return valid && Attestation.verify(
            signature: signature, challenge: challenge, material: material, attestation: leaf)
    }

    private static func typed(_ bytes: [UInt8]) throws -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let code = try? UserCode(typed: text)
        let displayed = try? CodePairing.parseDisplayed(text)
        let secret = try? SetupSecret(text: text)
        return code != nil || displayed != nil || secret != nil
    }

    private static func challenge(_ bytes: [UInt8]) throws -> Bool {
        challenges.check(bytes, at: FuzzFixtures.now) != nil
    }

    /// The hub's rule for binary fields: 32 bytes, base64url, within 128 characters.
    private static func key32(_ text: String) throws -> [UInt8] {
        guard text.utf8.count <= 128, let bytes = Base64URL.decode(text), bytes.count == 32 else {
            throw HearthError(.invalidInput, "not 32 bytes")
        }
        return bytes
    }

    private static let fixedCommitment = CodePairing.commitment(to: Array(repeating: 1, count: PairingNonce.size))
    private static let setupSecret: SetupSecret = {
        guard let secret = try? SetupSecret(bytes: Array(repeating: 9, count: SetupSecret.minimumBytes)) else {
            fatalError("the fuzz fixtures' setup secret could not be made")
        }
        return secret
    }()
    private static let setupProofs: SetupSecretProofs = {
        guard let proofs = try? SetupSecretProofs(macKeys: setupSecret.macKeys) else {
            fatalError("the fuzz fixtures' setup proofs could not be made")
        }
        return proofs
    }()
    private static let challenges = AttestationChallenge(
        keys: [.init(data: Array(repeating: UInt8(3), count: 32))], lifetime: 300)
}
