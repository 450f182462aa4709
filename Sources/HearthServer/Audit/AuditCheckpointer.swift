import HearthAudit
import HearthCore
import HearthStore

/// Signs the log's current head when it has moved since the last checkpoint.
public struct AuditCheckpointer: Sendable {
    let store: Store
    let signer: CheckpointSigner

    public init(store: Store, signer: CheckpointSigner) {
        self.store = store
        self.signer = signer
    }

    /// The checkpoint for the current head: the stored one if the head has not moved, else a new one.
    @discardableResult
    public func checkpoint() async throws -> AuditRecords.StoredCheckpoint {
        // The nodes of a committed size never change, so reading the size and then the root in
        // separate statements is consistent.
        let (size, root, latest) = try await store.read { db in
            let size = try await db.audit.size()
            return (size, try await db.audit.rootHash(size: size), try await db.audit.latestCheckpoint())
        }
        if let latest, latest.size >= size { return latest }
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
