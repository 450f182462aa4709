import Crypto
import struct Foundation.Date
import HearthCore

/// The hub's audit key: signs checkpoints whose origin is the key's name.
public struct CheckpointSigner: Sendable {
    public let origin: String
    private let key: HubPrivateKey

    public init(origin: String, key: Curve25519.Signing.PrivateKey) throws {
        try self.init(origin: origin, key: HubPrivateKey(key))
    }

    /// With the hub's audit key, which may sign in its PKCS#11 token.
    public init(origin: String, key: HubPrivateKey) throws {
        guard NoteVerifierKey.isValidName(origin) else { throw CheckpointError.malformed("invalid origin \(origin)") }
        guard key.algorithm == .ed25519 else { throw CheckpointError.malformed("a checkpoint key is an Ed25519 key") }
        self.origin = origin
        self.key = key
    }

    public var verifierKey: NoteVerifierKey {
        // The name was validated in init and the key is a 32-byte Ed25519 key, so this cannot fail.
        try! NoteVerifierKey(name: origin, publicKey: key.publicKeyBytes)
    }

    /// The signed note for the tree head of `size` leaves with `rootHash`, stamped `time`.
    public func sign(size: Int64, rootHash: [UInt8], time: Date) throws -> String {
        try SignedNote.sign(
            Checkpoint(origin: origin, size: size, rootHash: rootHash, time: time).body, name: origin, key: key)
    }
}

/// What a client of the log needs to trust it: the verifier key, and nothing from the log itself
/// but a signed checkpoint and proofs.
public struct LogVerifier: Sendable {
    public let key: NoteVerifierKey

    public init(key: NoteVerifierKey) { self.key = key }

    /// The checkpoint in `note`, if the note is signed by the key and names the key's log.
    public func open(_ note: String) throws -> Checkpoint {
        let checkpoint = try Checkpoint(body: try SignedNote.open(note, verifier: key))
        guard checkpoint.origin == key.name else {
            throw CheckpointError.malformed("the checkpoint is for log \(checkpoint.origin), not \(key.name)")
        }
        return checkpoint
    }

    /// Checks that `leafHash` is leaf `index` of the tree the signed `note` commits to.
    public func verifyInclusion(leafHash: [UInt8], index: Int64, path: [[UInt8]], note: String) throws -> Checkpoint {
        let checkpoint = try open(note)
        guard ProofVerifier.verifyInclusion(
            leafHash: leafHash, index: index, size: checkpoint.size, path: path, root: checkpoint.rootHash)
        else { throw ProofError.inclusion(index: index, size: checkpoint.size) }
        return checkpoint
    }

    /// Checks that the tree of the signed `newNote` extends the tree of the signed `oldNote`.
    public func verifyConsistency(oldNote: String, newNote: String, path: [[UInt8]]) throws {
        let old = try open(oldNote)
        let new = try open(newNote)
        guard ProofVerifier.verifyConsistency(
            oldSize: old.size, newSize: new.size, oldRoot: old.rootHash, newRoot: new.rootHash, path: path)
        else { throw ProofError.consistency(from: old.size, to: new.size) }
    }
}

public enum ProofError: Error, Sendable, Equatable, CustomStringConvertible {
    case inclusion(index: Int64, size: Int64)
    case consistency(from: Int64, to: Int64)

    public var description: String {
        switch self {
        case .inclusion(let index, let size): "the proof does not show leaf \(index) in the tree of size \(size)"
        case .consistency(let from, let to): "the proof does not show the tree of size \(from) to be a prefix of size \(to)"
        }
    }
}
