import HearthAudit
import HearthCore
import HearthStore

/// Signs the log's current head when it has moved since the last checkpoint.
public struct AuditCheckpointer: Sendable {
    package let store: Store
    package let signer: CheckpointSigner

    public init(store: Store, signer: CheckpointSigner) {
        self.store = store
        self.signer = signer
    }

    /// The checkpoint for the current head: the stored one if the head has not moved, else a new one.
    @discardableResult
    public func checkpoint() async throws -> AuditRecords.StoredCheckpoint {
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
            try await db.audit.insert(checkpoint)
            return try await db.audit.checkpoint(size: size) ?? checkpoint
        }
    }
}
