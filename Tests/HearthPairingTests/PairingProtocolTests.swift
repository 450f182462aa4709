import Crypto
import Foundation
import HearthCore
import HearthPairing
import Testing

@Suite struct PairingProtocolTests {
    static let material = PairingMaterial(csrHash: Array(repeating: 1, count: 32), hubKeyHash: Array(repeating: 2, count: 32))
    static let nonce = Array(repeating: UInt8(3), count: 32)

    @Test func aSetupSecretSurvivesItsPrintedForm() throws {
        for _ in 0..<50 {
            let secret = SetupSecret.generate()
            #expect(secret.bytes.count == 20)
            let text = secret.text
            #expect(text.count == 39, "32 symbols in groups of four: \(text)")
            #expect(try SetupSecret(text: text).bytes == secret.bytes)
            #expect(try SetupSecret(text: text.lowercased().replacingOccurrences(of: "-", with: " ")).bytes == secret.bytes)
            #expect(try SetupSecret(text: text).id == secret.id)
        }
        #expect(throws: HearthError.self) { try SetupSecret(text: "ABCD-EFGH") }  // 40 bits
        #expect(throws: HearthError.self) { try SetupSecret(text: String(repeating: "I", count: 32)) }  // not in the alphabet
    }

    @Test func theIdAndKeysComeFromTheSecretAlone() throws {
        let secret = try SetupSecret(bytes: Array(0..<20))
        let again = try SetupSecret(bytes: Array(0..<20))
        #expect(secret.id == again.id && secret.macKeys == again.macKeys)
        #expect(secret.id.count == 32)
        let other = try SetupSecret(bytes: Array(1..<21))
        #expect(secret.id != other.id && secret.macKeys != other.macKeys)
        // The id reveals nothing usable as a key.
        #expect(!secret.macKeys.hexString.contains(secret.id))
    }

    @Test func everyFieldChangesTheDeviceProof() throws {
        let secret = SetupSecret.generate()
        let proofs = try SetupSecretProofs(macKeys: secret.macKeys)
        let proof = proofs.deviceProof(id: secret.id, material: Self.material, deviceNonce: Self.nonce)
        #expect(proof.count == 32)
        let otherCSR = PairingMaterial(csrHash: Array(repeating: 9, count: 32), hubKeyHash: Self.material.hubKeyHash)
        let otherHub = PairingMaterial(csrHash: Self.material.csrHash, hubKeyHash: Array(repeating: 9, count: 32))
        #expect(proofs.deviceProof(id: secret.id, material: otherCSR, deviceNonce: Self.nonce) != proof)
        #expect(proofs.deviceProof(id: secret.id, material: otherHub, deviceNonce: Self.nonce) != proof)
        #expect(proofs.deviceProof(id: secret.id, material: Self.material, deviceNonce: Array(repeating: 4, count: 32)) != proof)
        let wrong = try SetupSecretProofs(macKeys: SetupSecret.generate().macKeys)
        #expect(wrong.deviceProof(id: secret.id, material: Self.material, deviceNonce: Self.nonce) != proof)
        // The hub's proof is a different MAC (another key and label) over more.
        let hub = proofs.hubProof(
            id: secret.id, material: Self.material, deviceNonce: Self.nonce, certificateDER: [1], rootDER: [2])
        #expect(hub != proof)
        #expect(proofs.hubProof(id: secret.id, material: Self.material, deviceNonce: Self.nonce, certificateDER: [1], rootDER: [3]) != hub)
        #expect(proofs.hubProof(id: secret.id, material: Self.material, deviceNonce: Self.nonce, certificateDER: [4], rootDER: [2]) != hub)
    }

    @Test func theVerificationValueBindsKeyNoncesAndHubKey() {
        let hubNonce = Array(repeating: UInt8(5), count: 32)
        let value = CodePairing.verificationValue(material: Self.material, deviceNonce: Self.nonce, hubNonce: hubNonce)
        #expect(value.count == CodePairing.digits && value.allSatisfy(\.isNumber))
        #expect(CodePairing.verificationValue(material: Self.material, deviceNonce: Self.nonce, hubNonce: hubNonce) == value)
        var distinct: Set<String> = []
        for byte in UInt8(0)..<40 {
            let csr = PairingMaterial(csrHash: Array(repeating: byte, count: 32), hubKeyHash: Self.material.hubKeyHash)
            distinct.insert(CodePairing.verificationValue(material: csr, deviceNonce: Self.nonce, hubNonce: hubNonce))
        }
        #expect(distinct.count >= 38, "substituted CSRs give other values")
        let otherHub = PairingMaterial(csrHash: Self.material.csrHash, hubKeyHash: Array(repeating: 7, count: 32))
        #expect(CodePairing.verificationValue(material: otherHub, deviceNonce: Self.nonce, hubNonce: hubNonce) != value)
        #expect(CodePairing.commitment(to: Self.nonce) != CodePairing.commitment(to: hubNonce))
        #expect(CodePairing.commitment(to: Self.nonce).count == 32)
    }

    @Test func theDisplayedValueSplitsAndKeysTheHubsProof() throws {
        let confirmation = CodePairing.makeConfirmation()
        #expect(confirmation.count == CodePairing.digits && confirmation.allSatisfy(\.isNumber))
        let shown = CodePairing.displayedValue(verification: "01234", confirmation: confirmation)
        let parsed = try CodePairing.parseDisplayed(" " + shown.replacingOccurrences(of: "-", with: " ") + " ")
        #expect(parsed.verification == "01234" && parsed.confirmation == confirmation)
        for bad in ["", "01234", "01234-5678", "01234-56789-0", "0123a-56789"] {
            #expect(throws: HearthError.self, "\(bad)") { try CodePairing.parseDisplayed(bad) }
        }
        let proof = CodePairing.hubProof(
            confirmation: confirmation, material: Self.material, deviceNonce: Self.nonce, hubNonce: Self.nonce,
            certificateDER: [1], rootDER: [2])
        let otherSecret = confirmation == "00000" ? "00001" : "00000"
        #expect(CodePairing.hubProof(
            confirmation: otherSecret, material: Self.material, deviceNonce: Self.nonce, hubNonce: Self.nonce,
            certificateDER: [1], rootDER: [2]) != proof)
        #expect(CodePairing.hubProof(
            confirmation: confirmation, material: Self.material, deviceNonce: Self.nonce, hubNonce: Self.nonce,
            certificateDER: [1], rootDER: [3]) != proof)
    }

    @Test func userCodesAreUnambiguousAndParseAsTyped() throws {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let code = UserCode.generate()
            #expect(code.canonical.count == 8)
            #expect(code.canonical.allSatisfy { "BCDFGHJKLMNPQRSTVWXZ".contains($0) })
            #expect(try UserCode(typed: code.display.lowercased()) == code)
            seen.insert(code.canonical)
        }
        #expect(seen.count == 200)
        for bad in ["", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GHJ1"] {
            #expect(throws: HearthError.self, "\(bad)") { try UserCode(typed: bad) }
        }
    }
}
