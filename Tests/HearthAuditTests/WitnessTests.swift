import Crypto
import Foundation
import HearthAudit
import HearthCore
import Testing

@Suite struct WitnessTests {
    let log = try! CheckpointSigner(origin: "0123abcd.home.arpa/audit", key: Curve25519.Signing.PrivateKey())
    let witnessKey = Curve25519.Signing.PrivateKey()
    let witnessName = "neighbour.home.arpa/witness"
    let tree = ReferenceTree(leafHashes: (0..<40).map { MerkleHash.leaf([UInt8($0)]) })
    let time = Date(unixMilliseconds: 1_795_000_000_123)

    var witnessVerifier: NoteVerifierKey {
        try! NoteVerifierKey(name: witnessName, publicKey: Array(witnessKey.publicKey.rawRepresentation), type: .cosignature)
    }

    func note(size: Int64, root: [UInt8]? = nil) throws -> String {
        try log.sign(size: size, rootHash: root ?? tree.root(size: size), time: time)
    }

    @Test func aCosignatureSignsTheC2SPMessageWithATimestampAndOpensOnlyWithTheWitnessKey() throws {
        let note = try note(size: 7)
        let body = try SignedNote.open(note, verifier: log.verifierKey)
        let line = try SignedNote.cosign(body, name: witnessName, key: witnessKey, timestamp: 1_795_000_000)
        #expect(line.hasPrefix("\u{2014} \(witnessName) ") && line.hasSuffix("\n"))

        // Rebuilt from the specification, sharing no code with SignedNote: key id with type 0x04,
        // then the big-endian timestamp, then Ed25519 over "cosignature/v1\ntime T\n" ‖ body.
        let payload = try #require(Data(base64Encoded: String(line.dropFirst(2 + witnessName.count + 1).dropLast())))
        let keyID = Array(SHA256.hash(data: Array(witnessName.utf8) + [0x0A, 0x04] + Array(witnessKey.publicKey.rawRepresentation)).prefix(4))
        #expect(Array(payload.prefix(4)) == keyID && payload.count == 76)
        #expect(Array(payload[4..<12]) == [0, 0, 0, 0, 0x6A, 0xFD, 0x86, 0xC0])
        let message = Array("cosignature/v1\ntime 1795000000\n\(body)".utf8)
        #expect(witnessKey.publicKey.isValidSignature(payload.dropFirst(12), for: message))

        let cosigned = note + line
        let opened = try SignedNote.openCosigned(cosigned, verifier: witnessVerifier)
        #expect(opened.text == body && opened.timestamp == 1_795_000_000)
        // The log's own signature still opens; the witness key does not open a plain note.
        #expect(try LogVerifier(key: log.verifierKey).open(cosigned).size == 7)
        #expect(throws: CheckpointError.unsigned(keyName: witnessName)) { try SignedNote.openCosigned(note, verifier: witnessVerifier) }
        // A cosignature over another body, or checked as a plain signature, is refused.
        let other = try self.note(size: 8)
        #expect(throws: CheckpointError.badSignature(keyName: witnessName)) { try SignedNote.openCosigned(other + line, verifier: witnessVerifier) }
        let asPlain = try NoteVerifierKey(name: witnessName, publicKey: witnessVerifier.publicKey)
        #expect(throws: CheckpointError.unsigned(keyName: witnessName)) { try SignedNote.open(cosigned, verifier: asPlain) }
        // The vkey text says its type and round-trips.
        #expect(try NoteVerifierKey(parsing: witnessVerifier.description) == witnessVerifier)
        #expect(witnessVerifier.description.split(separator: "+")[2].hasPrefix("B"))  // base64 of 0x04…
    }

    @Test func theRequestBodyRoundTripsAndEveryMalformedShapeIsRefused() throws {
        let checkpoint = try note(size: 20)
        let request = AddCheckpointRequest(oldSize: 9, proof: tree.consistencyProof(from: 9, to: 20), checkpoint: checkpoint)
        let text = String(decoding: request.encoded, as: UTF8.self)
        #expect(text.hasPrefix("old 9\n") && text.contains("\n\n0123abcd.home.arpa/audit\n20\n"))
        #expect(try AddCheckpointRequest(parsing: request.encoded) == request)
        #expect(try AddCheckpointRequest(parsing: Array("old 0\n\n\(checkpoint)".utf8)).proof.isEmpty)

        let hash = Data(MerkleHash.leaf([1])).base64EncodedString()
        for bad in [
            "old 09\n\n\(checkpoint)", "old -1\n\n\(checkpoint)", "old\n\n\(checkpoint)", "new 1\n\n\(checkpoint)",
            "old 1\n\(checkpoint)", "old 1\nnot base64\n\n\(checkpoint)", "old 1\n\(Data([1, 2]).base64EncodedString())\n\n\(checkpoint)",
            "old 1\n" + String(repeating: hash + "\n", count: 64) + "\n" + checkpoint, "old 1\n\n",
        ] {
            #expect(throws: WitnessProtocolError.self, "\(bad.prefix(20))") { try AddCheckpointRequest(parsing: Array(bad.utf8)) }
        }
        #expect(WitnessSize.parseConflictBody(Array("42\n".utf8)) == 42)
        #expect(WitnessSize.parseConflictBody(Array("42".utf8)) == nil)
        #expect(WitnessSize.parseConflictBody(Array("042\n".utf8)) == nil)
    }

    @Test func theWitnessCosignsOnlyACheckpointThatExtendsTheLastItCosigned() throws {
        let fresh = WitnessedLog(key: log.verifierKey, size: 0, rootHash: nil)
        func judge(old: Int64, proof: [[UInt8]] = [], note: String, log known: WitnessedLog?) -> WitnessVerdict {
            WitnessRules.judge(AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note), log: known)
        }
        // First contact: from 0, with an empty proof.
        let first = try note(size: 10)
        guard case .cosign(let cosigned) = judge(old: 0, note: first, log: fresh) else { Issue.record("not cosigned"); return }
        #expect(cosigned.size == 10)
        #expect(judge(old: 0, proof: [tree.root(size: 1)], note: first, log: fresh).status == 422)

        let at10 = WitnessedLog(key: log.verifierKey, size: 10, rootHash: tree.root(size: 10))
        let next = try note(size: 25)
        #expect(judge(old: 10, proof: tree.consistencyProof(from: 10, to: 25), note: next, log: at10).status == 200)
        // The log's size in the witness is not the one the request assumed: 409 with the real one.
        #expect(judge(old: 0, note: next, log: at10) == .conflict(latestSize: 10, "the latest cosigned size is 10, not 0"))
        #expect(judge(old: 12, proof: tree.consistencyProof(from: 12, to: 25), note: next, log: at10).status == 409)
        // A rewritten log (another leaf 3): its proof cannot join the cosigned root — 422.
        var leaves = tree.leafHashes
        leaves[3] = MerkleHash.leaf([0xFF])
        let forked = ReferenceTree(leafHashes: leaves)
        let forkedNote = try note(size: 25, root: forked.root(size: 25))
        #expect(judge(old: 10, proof: forked.consistencyProof(from: 10, to: 25), note: forkedNote, log: at10).status == 422)
        // The same size with another root is a fork too: 409.
        #expect(judge(old: 10, note: try note(size: 10, root: forked.root(size: 10)), log: at10).status == 409)
        #expect(judge(old: 10, note: first, log: at10).status == 200)
        // An older checkpoint than the cosigned one: the old size is past it — 400.
        #expect(judge(old: 10, note: try note(size: 5), log: at10).status == 400)
        // Signed by another key under the same origin: 403; another origin: 404.
        let thief = try CheckpointSigner(origin: log.origin, key: Curve25519.Signing.PrivateKey())
        let stolen = try thief.sign(size: 25, rootHash: forked.root(size: 25), time: time)
        #expect(judge(old: 10, proof: forked.consistencyProof(from: 10, to: 25), note: stolen, log: at10).status == 403)
        let stranger = try CheckpointSigner(origin: "stranger.home.arpa/audit", key: Curve25519.Signing.PrivateKey())
        #expect(judge(old: 0, note: try stranger.sign(size: 1, rootHash: tree.root(size: 1), time: time), log: nil).status == 404)
    }
}
