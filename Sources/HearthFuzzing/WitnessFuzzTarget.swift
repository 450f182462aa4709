import Crypto
import Foundation
import HearthAudit

/// Bodies of `POST /witness/add-checkpoint` (C2SP tlog-witness), judged against a fixed witness
/// state: the fixture log, cosigned up to 10 of its 32 leaves. A body that parses must encode and
/// parse back to itself; one the witness would cosign must carry a checkpoint signed by the log's
/// key, no smaller than 10, whose cosignature then opens with the witness key.
enum WitnessFuzzTarget {
    static let logSigner = try! CheckpointSigner(
        origin: "fuzz.home.arpa/audit", key: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 3, count: 32)))
    static let witnessKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 4, count: 32))
    static let witnessVerifier = try! NoteVerifierKey(
        name: "fuzz.home.arpa/witness", publicKey: Array(witnessKey.publicKey.rawRepresentation), type: .cosignature)
    static let leaves = (0..<32).map { MerkleHash.leaf([UInt8($0)]) }
    static let cosignedSize: Int64 = 10
    static let state = WitnessedLog(key: logSigner.verifierKey, size: cosignedSize, rootHash: root(size: cosignedSize))

    static let target = FuzzTarget(name: "witness", summary: "tlog-witness add-checkpoint bodies and the witness's checks") { bytes in
        guard let request = try? AddCheckpointRequest(parsing: bytes) else { return false }
        FuzzInvariant.check(
            (try? AddCheckpointRequest(parsing: request.encoded)) == request, "a parsed request does not encode and parse back to itself")
        guard case .cosign(let checkpoint) = WitnessRules.judge(request, log: state) else { return false }
        FuzzInvariant.check(
            (try? LogVerifier(key: logSigner.verifierKey).open(request.checkpoint)) == checkpoint && checkpoint.size >= cosignedSize,
            "the witness would cosign a checkpoint the log did not sign, or one older than it holds")
        let line = try? SignedNote.cosign(checkpoint.body, name: witnessVerifier.name, key: witnessKey, timestamp: 1_800_000_000)
        FuzzInvariant.check(
            line.flatMap { try? SignedNote.openCosigned(request.checkpoint + $0, verifier: witnessVerifier) }?.text == checkpoint.body,
            "the cosignature does not open over the checkpoint's body")
        return true
    }

    /// The RFC 9162 root of the first `size` fixture leaves.
    static func root(size: Int64) -> [UInt8] { hash(0..<size) }

    static func hash(_ range: Range<Int64>) -> [UInt8] {
        TreeMath.fold(TreeMath.perfectNodes(range).map { node in
            var subtree = CompactRange()
            let start = Int(node.index << node.level)
            for leaf in leaves[start..<start + (1 << node.level)] { _ = subtree.append(leafHash: leaf) }
            return subtree.root
        })
    }

    /// Bodies the witness cosigns: the same head again, and growth to 16 and to 32.
    static func seeds() throws -> [(String, [UInt8])] {
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        func body(old: Int64, size: Int64) throws -> [UInt8] {
            let proof = old == 0 ? [] : TreeMath.consistencyPath(from: old, to: size).map(hash)
            return AddCheckpointRequest(
                oldSize: old, proof: proof, checkpoint: try logSigner.sign(size: size, rootHash: root(size: size), time: time)
            ).encoded
        }
        return [
            ("same-head", try body(old: 10, size: 10)), ("grow-16", try body(old: 10, size: 16)),
            ("grow-32", try body(old: 10, size: 32)),
        ]
    }
}
