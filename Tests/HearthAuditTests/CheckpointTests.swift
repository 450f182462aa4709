import Crypto
import Foundation
import HearthAudit
import HearthCore
import Testing

@Suite struct CheckpointTests {
    let signer = try! CheckpointSigner(origin: "0123abcd.home.arpa/audit", key: Curve25519.Signing.PrivateKey())
    let root = MerkleHash.leaf([1, 2, 3])
    let time = Date(unixMilliseconds: 1_795_000_000_123)

    @Test func aSignedCheckpointHasTheC2SPShapeAndOpens() throws {
        let note = try signer.sign(size: 42, rootHash: root, time: time)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "0123abcd.home.arpa/audit")
        #expect(lines[1] == "42")
        #expect(lines[2] == Substring(Data(root).base64EncodedString()))
        #expect(lines[3] == "timestamp 1795000000123")
        #expect(lines[4] == "")
        #expect(lines[5].hasPrefix("\u{2014} 0123abcd.home.arpa/audit "))
        let checkpoint = try LogVerifier(key: signer.verifierKey).open(note)
        #expect(checkpoint == Checkpoint(origin: signer.origin, size: 42, rootHash: root, time: time))
    }

    @Test func theVerifierKeyRoundTripsAndItsIdIsTheSignedNoteHash() throws {
        // Enough keys that some base64 key text holds '+', the field separator.
        for _ in 0..<64 {
            let key = try CheckpointSigner(origin: signer.origin, key: Curve25519.Signing.PrivateKey()).verifierKey
            #expect(try NoteVerifierKey(parsing: key.description) == key)
        }
        let key = signer.verifierKey
        let expectedID = Array(SHA256.hash(data: Array(key.name.utf8) + [0x0A, 0x01] + key.publicKey).prefix(4))
        #expect(key.keyID == expectedID)
        #expect(key.description.split(separator: "+")[1].count == 8)
    }

    @Test func anAlteredOrForeignNoteIsRefused() throws {
        let note = try signer.sign(size: 42, rootHash: root, time: time)
        let verifier = LogVerifier(key: signer.verifierKey)
        let altered = note.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(throws: CheckpointError.badSignature(keyName: signer.origin)) { try verifier.open(altered) }

        let other = try CheckpointSigner(origin: signer.origin, key: Curve25519.Signing.PrivateKey())
        let foreign = try other.sign(size: 42, rootHash: root, time: time)
        #expect(throws: CheckpointError.unsigned(keyName: signer.origin)) { try verifier.open(foreign) }

        for garbage in ["", "\n\n", "abc\n\n\u{2014} x AAAA\n", note.replacingOccurrences(of: "\u{2014}", with: "-")] {
            #expect(throws: CheckpointError.self) { try verifier.open(garbage) }
        }
    }

    /// Found by the `witness` fuzz target: a note whose log signature came before a malformed line
    /// opened with the log's key, while a witness's cosignature after that line could not be read.
    /// A malformed signature line now makes the whole note malformed, for every key.
    @Test func aMalformedSignatureLineAnywhereMakesTheNoteMalformed() throws {
        let note = try signer.sign(size: 42, rootHash: root, time: time)
        let verifier = LogVerifier(key: signer.verifierKey)
        for bad in ["\u{2014} name%AAAAAAA=\n", "\u{2014}  AAAAAAA=\n", "\u{2014} name AA==\n", "- name AAAAAAA=\n", "\u{2014} a b AAAAAAA=\n"] {
            #expect(throws: CheckpointError.self, "\(bad)") { try verifier.open(note + bad) }
        }
        let witness = Curve25519.Signing.PrivateKey()
        let witnessKey = try NoteVerifierKey(
            name: "witness.example", publicKey: Array(witness.publicKey.rawRepresentation), type: .cosignature)
        let checkpoint = try verifier.open(note)
        let cosignature = try SignedNote.cosign(checkpoint.body, name: witnessKey.name, key: witness, timestamp: 1_800_000_000)
        #expect(try SignedNote.openCosigned(note + cosignature, verifier: witnessKey).text == checkpoint.body)
        #expect(throws: CheckpointError.self) { try SignedNote.openCosigned(note + "\u{2014} x%y\n" + cosignature, verifier: witnessKey) }
        #expect(throws: CheckpointError.self) { try verifier.open(note + "\u{2014} x%y\n" + cosignature) }
    }

    @Test func aProofIsCheckedAgainstTheSignedCheckpointOnly() throws {
        let tree = ReferenceTree(leafHashes: (0..<11).map { MerkleHash.leaf([UInt8($0)]) })
        let verifier = LogVerifier(key: signer.verifierKey)
        let note7 = try signer.sign(size: 7, rootHash: tree.root(size: 7), time: time)
        let note11 = try signer.sign(size: 11, rootHash: tree.root(size: 11), time: time)
        let checkpoint = try verifier.verifyInclusion(
            leafHash: tree.leafHashes[5], index: 5, path: tree.inclusionProof(index: 5, size: 11), note: note11)
        #expect(checkpoint.size == 11)
        try verifier.verifyConsistency(oldNote: note7, newNote: note11, path: tree.consistencyProof(from: 7, to: 11))
        #expect(throws: ProofError.inclusion(index: 4, size: 11)) {
            try verifier.verifyInclusion(
                leafHash: tree.leafHashes[5], index: 4, path: tree.inclusionProof(index: 5, size: 11), note: note11)
        }
        #expect(throws: ProofError.consistency(from: 7, to: 11)) {
            try verifier.verifyConsistency(oldNote: note7, newNote: note11, path: tree.consistencyProof(from: 6, to: 11))
        }
    }
}
