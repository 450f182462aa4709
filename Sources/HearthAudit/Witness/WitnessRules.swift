
/// What a witness knows of one log: its key (whose name is the log's origin) and the latest
/// checkpoint it cosigned, if any.
public struct WitnessedLog: Sendable, Hashable {
    public let key: NoteVerifierKey
    public let size: Int64
    /// Nil while nothing was cosigned (size 0).
    public let rootHash: [UInt8]?

    public init(key: NoteVerifierKey, size: Int64, rootHash: [UInt8]?) {
        self.key = key
        self.size = size
        self.rootHash = rootHash
    }

    public var origin: String { key.name }
}

/// A witness's answer to `add-checkpoint` (C2SP tlog-witness), before any I/O: each refusal is
/// the status the protocol names for it.
public enum WitnessVerdict: Sendable, Equatable {
    /// Consistent with everything cosigned before: record it (atomically with the check) and cosign.
    case cosign(Checkpoint)
    /// 400: unreadable, or an old size past the checkpoint's.
    case malformed(String)
    /// 403: no signature by the log's key verifies.
    case forbidden(String)
    /// 404: the witness does not witness this origin.
    case unknownLog(origin: String)
    /// 409: the old size is not the size the witness last cosigned (the body says which), or
    /// the same size with another root: a fork.
    case conflict(latestSize: Int64, String)
    /// 422: the consistency proof does not show the witness's tree to be a prefix of the new one.
    case inconsistent(String)

    public var status: Int {
        switch self {
        case .cosign: 200
        case .malformed: 400
        case .forbidden: 403
        case .unknownLog: 404
        case .conflict: 409
        case .inconsistent: 422
        }
    }
}

/// The witness's checks, in the protocol's order. `log` is the witness's record of the origin
/// the checkpoint names, looked up by ``origin(of:)``.
public enum WitnessRules {
    /// The origin line of a submitted note, to find the log's record by.
    public static func origin(of note: String) -> String? {
        guard let line = note.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first,
              !line.isEmpty else { return nil }
        return String(line)
    }

    public static func judge(_ request: AddCheckpointRequest, log: WitnessedLog?) -> WitnessVerdict {
        guard let origin = origin(of: request.checkpoint) else { return .malformed("the checkpoint has no origin line") }
        guard let log, log.origin == origin else { return .unknownLog(origin: origin) }
        let checkpoint: Checkpoint
        do {
            checkpoint = try LogVerifier(key: log.key).open(request.checkpoint)
        } catch CheckpointError.malformed(let why) {
            return .malformed(why)
        } catch {
            return .forbidden("no signature by the log's key \(log.key.name) verifies")
        }
        guard request.oldSize <= checkpoint.size else {
            return .malformed("the old size \(request.oldSize) is larger than the checkpoint's \(checkpoint.size)")
        }
        guard request.oldSize == log.size else {
            return .conflict(latestSize: log.size, "the latest cosigned size is \(log.size), not \(request.oldSize)")
        }
        guard let oldRoot = log.rootHash, log.size > 0 else {
            return request.proof.isEmpty ? .cosign(checkpoint) : .inconsistent("a proof from size 0 must be empty")
        }
        if checkpoint.size == log.size {
            guard checkpoint.rootHash == oldRoot, request.proof.isEmpty else {
                return .conflict(latestSize: log.size, "checkpoint \(log.size) was cosigned with another root hash")
            }
            return .cosign(checkpoint)
        }
        guard ProofVerifier.verifyConsistency(
            oldSize: log.size, newSize: checkpoint.size, oldRoot: oldRoot, newRoot: checkpoint.rootHash, path: request.proof)
        else { return .inconsistent("the proof does not show checkpoint \(log.size) to be a prefix of \(checkpoint.size)") }
        return .cosign(checkpoint)
    }
}
