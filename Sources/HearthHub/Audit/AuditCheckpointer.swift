import HearthAudit
import HearthCore
import HearthStore

/// Signs the log's current head when it has moved since the last checkpoint, and keeps the newest
/// checkpoint outside the database too (``AuditCheckpointFile``), when the hub has a place for it.
public struct AuditCheckpointer: Sendable {
    package let store: Store
    package let signer: CheckpointSigner
    package let file: AuditCheckpointFile?

    public init(store: Store, signer: CheckpointSigner, file: AuditCheckpointFile? = nil) {
        self.store = store
        self.signer = signer
        self.file = file
    }

    /// The checkpoint for the current head: the stored one if the head has not moved, else a new
    /// one. Throws `audit-rollback` (after storing the checkpoint) when the log no longer extends
    /// the checkpoint recorded outside the database: the newest entries were cut off.
    /// `lease`: when the hub's nodes take turns (``NodeLeases``), the one this node signs under;
    /// a checkpoint is not stored after the lease moved.
    @discardableResult
    package func checkpoint(under lease: Lease? = nil) async throws -> AuditRecords.StoredCheckpoint {
        let checkpoint = try await signHead(under: lease)
        if let file {
            let store = self.store
            try await file.advance(to: checkpoint, key: signer.verifierKey) { size in
                try await store.read { db -> [UInt8]? in
                    guard try await db.audit.size() >= size else { return nil }
                    return try await db.audit.rootHash(size: size)
                }
            }
        }
        return checkpoint
    }

    private func signHead(under lease: Lease?) async throws -> AuditRecords.StoredCheckpoint {
        // Runs every few seconds, so the root is read only when the head has moved. The nodes of
        // a committed size never change, so reading the size and then the root is consistent.
        let (size, latest) = try await store.read { db in
            (try await db.audit.size(), try await db.audit.latestCheckpoint())
        }
        if let latest, latest.size >= size { return latest }
        let root = try await store.read { db in try await db.audit.rootHash(size: size) }
        let now = store.clock.now
        let checkpoint = AuditRecords.StoredCheckpoint(
            size: size, rootHash: root, createdAt: now, note: try signer.sign(size: size, rootHash: root, time: now))
        // Another hub on the same PostgreSQL may have signed this size first; theirs stands.
        return try await store.write { db in
            try await lease?.confirm(in: db)
            try await db.audit.insert(checkpoint)
            return try await db.audit.checkpoint(size: size) ?? checkpoint
        }
    }
}
