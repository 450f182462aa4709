import Foundation
import HearthAudit
import HearthCore
import HearthStore
import Synchronization

/// The newest signed checkpoint, kept outside the database (`<data>/audit-checkpoint`): the signed
/// note itself, as stored.
///
/// Signatures stop a database writer from *rewriting* the log, but not from *cutting it back*:
/// deleting the newest entries and the checkpoints that signed them leaves an older log that
/// verifies. A copy of the newest checkpoint somewhere the database writer cannot reach turns that
/// into a finding: the log must still reach the recorded size and hash to the recorded root there
/// (`hearth audit verify`). The hub advances the copy after every checkpoint, and never backwards
/// or onto a log that does not extend it — that is what it would be asked to forget.
///
/// It does not help against someone who can also rewrite the data folder (they can delete or
/// replace the file with an older one); that needs a witness outside the hub (docs/audit.md).
public final class AuditCheckpointFile: Sendable {
    public static let fileName = "audit-checkpoint"
    public let path: String
    /// Orders this process's writers, so a slower checkpoint never overwrites a newer one.
    private let writing = Mutex(())

    public init(path: String) { self.path = path }

    /// The recorded note, or nil when there is no file (nothing recorded yet, or not kept here).
    public func note() throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.storageUnavailable, "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The recorded checkpoint, opened with `key`.
    func recorded(key: NoteVerifierKey) throws -> Checkpoint? {
        guard let note = try note() else { return nil }
        do {
            return try LogVerifier(key: key).open(note)
        } catch {
            throw HearthError(
                .conflict, code: "audit-checkpoint-file",
                "\(path) does not verify with the hub's audit key (\(error)): the key or the file was replaced. "
                    + "If this data folder was moved from another hub on purpose, remove the file")
        }
    }

    /// Records `checkpoint` (just stored in the database) when it is newer than the recorded one,
    /// after checking that the database's log extends the recorded one (`rootAt(size)`: the
    /// database's root at `size`, nil when the log is shorter). Throws `audit-rollback`, and
    /// keeps the file as it is, when it does not.
    func advance(
        to checkpoint: AuditRecords.StoredCheckpoint, key: NoteVerifierKey,
        rootAt: (Int64) async throws -> [UInt8]?
    ) async throws {
        if let recorded = try recorded(key: key) {
            if checkpoint.size < recorded.size {
                throw Self.rollback(
                    "the newest checkpoint in the database signs \(checkpoint.size) entries, but one of \(recorded.size) was recorded in \(path)")
            }
            if checkpoint.size == recorded.size {
                guard checkpoint.rootHash == recorded.rootHash else {
                    throw Self.rollback("the database's checkpoint \(checkpoint.size) signs another root than the one recorded in \(path)")
                }
                return
            }
            guard let root = try await rootAt(recorded.size), root == recorded.rootHash else {
                throw Self.rollback("the log's first \(recorded.size) entries no longer hash to the root recorded in \(path)")
            }
        }
        try writing.withLock { _ in
            // Another checkpoint of this process may have recorded a newer one meanwhile.
            if let current = try? recorded(key: key), current.size >= checkpoint.size { return }
            try AtomicFile.write(Array(checkpoint.note.utf8), to: URL(fileURLWithPath: path))
        }
    }

    static func rollback(_ what: String) -> HearthError {
        HearthError(
            .conflict, code: "audit-rollback",
            "the audit log was rolled back or rewritten: \(what). Run `hearth audit verify`; if an older database was restored on purpose, remove the file")
    }
}
