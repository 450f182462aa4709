import HearthAudit
import HearthCore
import HearthStore

/// What `hearth audit verify` found.
public struct AuditVerificationReport: Sendable {
    public struct Finding: Sendable, CustomStringConvertible {
        /// The first entry index the finding implicates, if it implicates entries.
        public let index: Int64?
        public let message: String

        public var description: String { index.map { "index \($0): \(message)" } ?? message }
    }

    public internal(set) var entries: Int64 = 0
    public internal(set) var headSize: Int64 = 0
    public internal(set) var checkpoints = 0
    public internal(set) var redacted = 0
    /// The size of the newest checkpoint that verified; entries past it are not yet signed for.
    public internal(set) var signedSize: Int64 = 0
    public internal(set) var findings: [Finding] = []
    /// The size of the checkpoint recorded outside the database (``AuditCheckpointFile``), when one was given and verified.
    public internal(set) var recordedSize: Int64?
    /// Whether the log was cut back (or rewritten) behind the checkpoint recorded outside the database.
    public internal(set) var rolledBack = false

    public var isIntact: Bool { findings.isEmpty }
    public var firstBadIndex: Int64? { findings.compactMap(\.index).min() }

    package mutating func add(_ index: Int64?, _ message: String) { findings.append(Finding(index: index, message: message)) }
}

/// Recomputes the whole log from its entries and holds it against the signed checkpoints.
///
/// Checks, in one pass in index order: indexes run 0, 1, 2… without a gap; each entry re-hashes
/// to its stored leaf hash and its details to their commitment; the recomputed root at every
/// checkpoint's size equals the root the checkpoint signs; every checkpoint's signature verifies
/// with the audit key; and the stored tree's consistency proof between consecutive checkpoints
/// verifies. Memory stays O(log n) plus one page of entries.
///
/// Given the checkpoint kept outside the database (``AuditCheckpointFile``), it also checks that
/// the log was not cut back behind it: the log still reaches its size, hashes to its root there,
/// and the database still holds a checkpoint at least that new. Signatures alone cannot tell an
/// older log from a log cut back to it.
public struct AuditLogVerifier: Sendable {
    /// The newest checkpoint as recorded outside the database, and where (for messages).
    public struct Recorded: Sendable {
        public let note: String
        public let location: String

        public init(note: String, location: String) {
            self.note = note
            self.location = location
        }
    }

    package let store: Store
    package let key: NoteVerifierKey
    package let pageSize: Int
    package let recorded: Recorded?

    public init(store: Store, key: NoteVerifierKey, pageSize: Int = 5000, recorded: Recorded? = nil) {
        self.store = store
        self.key = key
        self.pageSize = pageSize
        self.recorded = recorded
    }

    public func verify() async throws -> AuditVerificationReport {
        var report = AuditVerificationReport()
        let (headSize, stored) = try await store.read { db in (try await db.audit.size(), try await db.audit.checkpoints()) }
        report.headSize = headSize
        report.checkpoints = stored.count

        // Signed heads, by size; a checkpoint whose signature fails proves nothing and is reported.
        let verifier = LogVerifier(key: key)
        var signed: [(size: Int64, root: [UInt8])] = []
        for checkpoint in stored {
            do {
                let opened = try verifier.open(checkpoint.note)
                guard opened.size == checkpoint.size, opened.rootHash == checkpoint.rootHash else {
                    report.add(nil, "checkpoint \(checkpoint.size): the stored size or root differs from the signed note")
                    continue
                }
                signed.append((opened.size, opened.rootHash))
            } catch {
                report.add(nil, "checkpoint \(checkpoint.size): \(error)")
            }
        }

        // The checkpoint recorded outside the database; checked when the pass reaches its size.
        var outside: Checkpoint?
        var recordedCheckpoint: Checkpoint?
        if let recorded {
            do {
                outside = try verifier.open(recorded.note)
                recordedCheckpoint = outside
                report.recordedSize = outside?.size
            } catch {
                report.add(nil, "the checkpoint kept outside the database (\(recorded.location)) does not verify with the audit key (\(error)): the key or the file was replaced")
            }
        }
        if let record = outside, record.size == 0 {
            if record.rootHash != MerkleHash.emptyRoot { report.add(nil, "the checkpoint kept outside the database does not sign the empty tree") }
            outside = nil
        }

        var range = CompactRange()
        var pending = signed[...]
        var lastGood: Int64 = 0
        var treeBroken = false
        var cursor: Int64?
        while true {
            let query = AuditQuery(afterIndex: cursor, newestFirst: false, limit: pageSize)
            let entries = try await store.read { db in try await db.audit.entries(query) }
            guard let first = entries.first, let last = entries.last else { break }
            cursor = last.index
            let stored = try await store.read { db in try await db.audit.leafHashes(first.index..<last.index + 1) }
            for entry in entries {
                let expected = report.entries
                if entry.index != expected, !treeBroken {
                    report.add(expected, "entry \(expected) is missing (the next stored entry is \(entry.index))")
                    treeBroken = true
                }
                report.entries = entry.index + 1
                if entry.isRedacted { report.redacted += 1 }
                let leafHash = entry.leafHash
                if stored[entry.index] != leafHash {
                    report.add(entry.index, "the entry's content does not match its stored leaf hash (altered or moved)")
                }
                if !entry.detailsMatchCommitment {
                    report.add(entry.index, "the entry's details do not match the commitment in its leaf")
                }
                guard !treeBroken else { continue }
                range.append(leafHash: leafHash)
                if let record = outside, record.size == range.size {
                    outside = nil
                    if record.rootHash != range.root, let recorded {
                        report.rolledBack = true
                        report.add(
                            nil,
                            "rewritten: entries 0..<\(record.size) do not hash to the root of checkpoint \(record.size) recorded outside the database (\(recorded.location))")
                    }
                }
                while let next = pending.first, next.size <= range.size {
                    pending.removeFirst()
                    if next.size == range.size && next.root == range.root {
                        lastGood = next.size
                        report.signedSize = next.size
                    } else if next.size == range.size {
                        // Name the range's start only when no entry in it was already pinned down.
                        let pinned = report.findings.contains { ($0.index ?? -1) >= lastGood && ($0.index ?? -1) < next.size }
                        report.add(
                            pinned ? nil : lastGood,
                            "entries 0..<\(next.size) do not hash to the root signed by checkpoint \(next.size); "
                                + "an entry from \(lastGood) to \(next.size - 1) was altered, added or removed")
                    }
                }
            }
        }
        // Empty-tree checkpoints match the empty root without any entry being read.
        while let next = pending.first, next.size == 0 {
            pending.removeFirst()
            if next.root != MerkleHash.emptyRoot { report.add(0, "checkpoint 0 does not sign the empty tree") }
        }
        if report.entries < headSize && !treeBroken {
            report.add(report.entries, "the log head says \(headSize) entries but entries from \(report.entries) on are missing")
        } else if report.entries > headSize {
            report.add(headSize, "entries exist past the log head (\(headSize))")
        }
        for next in pending where !treeBroken {
            report.add(report.entries, "checkpoint \(next.size) signs entries up to \(next.size - 1) that are missing")
        }
        // The pass never reached the recorded size: the newest entries were cut off.
        if let record = outside, let recorded, !treeBroken || record.size > headSize {
            report.rolledBack = true
            report.add(
                report.entries,
                "rolled back: checkpoint \(record.size) was recorded outside the database (\(recorded.location)), "
                    + "but the log holds \(report.entries) entries; entries \(report.entries)..<\(record.size) were removed")
        }
        // Every recorded checkpoint was stored in the database first: a newest one older than it was deleted.
        let newest = stored.map(\.size).max() ?? 0
        if let record = recordedCheckpoint, record.size > newest, let recorded {
            report.rolledBack = true
            report.add(
                nil,
                "rolled back: the newest checkpoint in the database is \(newest), but checkpoint \(record.size) was recorded "
                    + "outside the database (\(recorded.location)); the checkpoints after \(newest) were deleted")
        }

        // The stored tree must prove each signed head consistent with the one before it.
        for (old, new) in zip(signed, signed.dropFirst()) where new.size <= headSize {
            let proof = try? await store.read { db in try await db.audit.consistencyProof(from: old.size, to: new.size) }
            let consistent = proof.map {
                ProofVerifier.verifyConsistency(
                    oldSize: old.size, newSize: new.size, oldRoot: old.root, newRoot: new.root, path: $0)
            } ?? false
            if !consistent {
                report.add(nil, "checkpoints \(old.size) and \(new.size) are not proven consistent by the stored tree")
            }
        }
        return report
    }
}
