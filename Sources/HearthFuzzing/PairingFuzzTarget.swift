import Crypto
import Foundation
import HearthCore
import HearthHub
import HearthPairing
import HearthPKI
import HearthServer
import SwiftASN1
import X509

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
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: try key32(message.hubKey))
        let (chainPEM, challenge) = (message.attestationChain, try key32(message.challenge))
        let chain = FuzzFixtures.wait { () -> [Certificate]? in
            await PairingService.verifiedAttestation(
                chainPEM: chainPEM, roots: [FuzzFixtures.root], signature: signature, challenge: challenge, material: material,
                now: FuzzFixtures.now)
        }
        _ = chain?.first.map(Attestation.deviceSerial)
        return chain != nil
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

    /// The hub's rule for binary fields (``PairingRoutes``).
    private static func key32(_ text: String) throws -> [UInt8] { try PairingRoutes.bytes(text, "field") }

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
