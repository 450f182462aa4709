import struct Foundation.Date
import HearthAudit
import HearthCore

/// The audit log in the database: append entries inside the caller's transaction, and read
/// entries, tree hashes, proofs and checkpoints.
///
/// Appends take the `audit_head` row lock first (an UPDATE), so concurrent transactions — from
/// this process or any other on the same PostgreSQL — get consecutive indexes in commit order;
/// SQLite's single writer gives the same. The tree's perfect subtrees are stored as they
/// complete, so an append costs O(log n) and a proof reads O(log n) nodes.
public struct AuditRecords: Sendable {
    let db: any SQLExecutor
    let clock: any HearthClock

    /// Appends one entry; it commits or rolls back with the rest of the caller's transaction.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEntry {
        try await append([event])[0]
    }

    /// Appends entries in order with consecutive indexes.
    @discardableResult
    public func append(_ events: [AuditEvent]) async throws -> [AuditEntry] {
        guard !events.isEmpty else { return [] }
        guard let head = try await db.first(
            "UPDATE audit_head SET size = size + ? WHERE singleton = 1 RETURNING size", events.count)
        else { throw HearthError(.storageUnavailable, "the audit log has no head row; the schema is damaged") }
        let first = try head.integer("size") - Int64(events.count)
        var range = CompactRange(size: first, hashes: try await hashes(of: CompactRange.nodes(forSize: first)))
        let now = clock.now
        var entries: [AuditEntry] = []
        var nodes: [(NodeID, [UInt8])] = []
        for (offset, event) in events.enumerated() {
            let entry = AuditEntry(event, index: first + Int64(offset), time: now)
            entries.append(entry)
            nodes += range.append(leafHash: entry.leafHash)
        }
        for chunk in entries.chunked(100) {
            _ = try await db.query(
                "INSERT INTO audit_entries (seq, time, household_id, actor, action, subject, reason, details, details_salt, details_commitment, redacted_at, personal) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                chunk.flatMap(\.sqlValues))
        }
        for chunk in nodes.chunked(300) {
            _ = try await db.query(
                "INSERT INTO audit_nodes (level, idx, hash) VALUES "
                    + Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", "),
                chunk.flatMap { [.integer(Int64($0.0.level)), .integer($0.0.index), .blob($0.1)] })
        }
        return entries
    }

    /// The number of entries in the log.
    public func size() async throws -> Int64 {
        try await db.first("SELECT size FROM audit_head WHERE singleton = 1")?.integer("size") ?? 0
    }

    /// Stored hashes of perfect subtrees, in the order asked; throws if one is missing.
    public func hashes(of nodes: [NodeID]) async throws -> [[UInt8]] {
        var found: [NodeID: [UInt8]] = [:]
        for chunk in Array(Set(nodes)).chunked(200) {
            let rows = try await db.query(
                "SELECT level, idx, hash FROM audit_nodes WHERE "
                    + Array(repeating: "(level = ? AND idx = ?)", count: chunk.count).joined(separator: " OR "),
                chunk.flatMap { [SQLValue.integer(Int64($0.level)), .integer($0.index)] })
            for row in rows {
                found[NodeID(level: Int(try row.integer("level")), index: try row.integer("idx"))] = try row.blob("hash")
            }
        }
        return try nodes.map { node in
            guard let hash = found[node] else {
                throw HearthError(.storageUnavailable, "audit tree node \(node.level)/\(node.index) is missing")
            }
            return hash
        }
    }

    /// The hashes of leaf ranges, each folded from its perfect subtrees, fetched in one pass.
    func hashes(ofRanges ranges: [Range<Int64>]) async throws -> [[UInt8]] {
        let perRange = ranges.map(TreeMath.perfectNodes)
        let all = try await hashes(of: perRange.flatMap { $0 })
        var offset = 0
        return perRange.map { nodes in
            defer { offset += nodes.count }
            return TreeMath.fold(Array(all[offset..<offset + nodes.count]))
        }
    }

    public func rootHash(size: Int64) async throws -> [UInt8] {
        try await hashes(ofRanges: [0..<size])[0]
    }

    public func inclusionProof(index: Int64, size: Int64) async throws -> [[UInt8]] {
        try await hashes(ofRanges: TreeMath.inclusionPath(index: index, size: size))
    }

    public func consistencyProof(from oldSize: Int64, to newSize: Int64) async throws -> [[UInt8]] {
        try await hashes(ofRanges: TreeMath.consistencyPath(from: oldSize, to: newSize))
    }

    /// Stored leaf hashes of `range`, by index (absent indexes are simply missing).
    public func leafHashes(_ range: Range<Int64>) async throws -> [Int64: [UInt8]] {
        var result: [Int64: [UInt8]] = [:]
        for row in try await db.query(
            "SELECT idx, hash FROM audit_nodes WHERE level = 0 AND idx >= ? AND idx < ?", range.lowerBound, range.upperBound)
        {
            result[try row.integer("idx")] = try row.blob("hash")
        }
        return result
    }

    public func entry(at index: Int64) async throws -> AuditEntry? {
        try await db.first("SELECT * FROM audit_entries WHERE seq = ?", index).map(AuditEntry.init(row:))
    }

    /// Entries matching `query`, newest first (or oldest first), at most `query.limit`.
    public func entries(_ query: AuditQuery) async throws -> [AuditEntry] {
        var filter = SQLFilter()
        filter.add("household_id = ?", query.householdID.map { .text($0) })
        filter.add("actor = ?", query.actor.map { .text($0) })
        filter.add("subject = ?", query.subject.map { .text($0) })
        filter.add("action = ?", query.action.map { .text($0) })
        filter.add("time >= ?", query.since.map { .integer($0.unixMilliseconds) })
        filter.add("time < ?", query.until.map { .integer($0.unixMilliseconds) })
        filter.add("seq > ?", query.afterIndex.map { .integer($0) })
        filter.add("seq < ?", query.beforeIndex.map { .integer($0) })
        return try await db.query(
            "SELECT * FROM audit_entries \(filter.clause) ORDER BY seq \(query.newestFirst ? "DESC" : "ASC") LIMIT ?",
            filter.binds + [.integer(Int64(query.limit))]
        ).map(AuditEntry.init(row:))
    }

    /// Drops the details (and their salt) of entries older than `cutoff`; the leaf hashes, and
    /// so every proof and checkpoint, stay valid. Returns how many entries were redacted.
    public func redact(olderThan cutoff: Date) async throws -> Int {
        try await db.query(
            "UPDATE audit_entries SET details = NULL, details_salt = NULL, redacted_at = ? WHERE time < ? AND details IS NOT NULL RETURNING seq",
            clock.now.unixMilliseconds, cutoff.unixMilliseconds
        ).count
    }

    /// Drops the details of entries holding personal data (``AuditEntry/holdsPersonalData``)
    /// older than `cutoff`, which are kept for a shorter time than the rest; the leaf hashes stay.
    public func redactPersonal(olderThan cutoff: Date) async throws -> Int {
        try await db.query(
            "UPDATE audit_entries SET details = NULL, details_salt = NULL, redacted_at = ?, personal = 0 WHERE personal = 1 AND time < ? RETURNING seq",
            clock.now.unixMilliseconds, cutoff.unixMilliseconds
        ).count
    }

    /// Entries still holding personal data older than `cutoff`: what a retention sweep that
    /// fell behind left (the privacy metrics show it; it must stay 0).
    public func personalCount(olderThan cutoff: Date) async throws -> Int {
        Int(try await db.first(
            "SELECT COUNT(*) AS n FROM audit_entries WHERE personal = 1 AND time < ?", cutoff.unixMilliseconds
        )?.integer("n") ?? 0)
    }

    /// Drops the details of every entry about a deleted household: what stays is when, what kind
    /// of action and the leaf hashes, so every proof stays valid. Returns how many were redacted.
    public func redact(household: HouseholdID) async throws -> Int {
        try await db.query(
            "UPDATE audit_entries SET details = NULL, details_salt = NULL, redacted_at = ? WHERE household_id = ? AND details IS NOT NULL RETURNING seq",
            clock.now.unixMilliseconds, household.rawValue
        ).count
    }

    // MARK: Checkpoints

    public struct StoredCheckpoint: Sendable, Hashable {
        public let size: Int64
        public let rootHash: [UInt8]
        public let createdAt: Date
        /// The signed note, exactly as signed.
        public let note: String

        public init(size: Int64, rootHash: [UInt8], createdAt: Date, note: String) {
            self.size = size
            self.rootHash = rootHash
            self.createdAt = createdAt
            self.note = note
        }

        init(row: SQLRow) throws {
            self.init(
                size: try row.integer("size"), rootHash: try row.blob("root_hash"),
                createdAt: Date(unixMilliseconds: try row.integer("created_at")), note: try row.text("note"))
        }
    }

    /// Stores a checkpoint unless one for the same size exists (another node made it first).
    public func insert(_ checkpoint: StoredCheckpoint) async throws {
        try await db.execute(
            "INSERT INTO audit_checkpoints (size, root_hash, created_at, note) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
            checkpoint.size, checkpoint.rootHash, checkpoint.createdAt.unixMilliseconds, checkpoint.note)
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await db.first("SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1").map(StoredCheckpoint.init(row:))
    }

    public func checkpoint(size: Int64) async throws -> StoredCheckpoint? {
        try await db.first("SELECT * FROM audit_checkpoints WHERE size = ?", size).map(StoredCheckpoint.init(row:))
    }

    /// Every checkpoint, smallest first.
    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await db.query("SELECT * FROM audit_checkpoints ORDER BY size").map(StoredCheckpoint.init(row:))
    }

    // MARK: Signing keys

    public struct SigningKey: Sendable, Hashable {
        public let keyID: String
        /// The signed-note verifier key, `name+id+key`: all anyone needs to check checkpoints.
        public let verifierKey: String
        public let sealedKey: [UInt8]
        public let createdAt: Date

        public init(keyID: String, verifierKey: String, sealedKey: [UInt8], createdAt: Date) {
            self.keyID = keyID
            self.verifierKey = verifierKey
            self.sealedKey = sealedKey
            self.createdAt = createdAt
        }

        init(_ row: SQLRow) throws {
            self.init(
                keyID: try row.text("key_id"), verifierKey: try row.text("verifier_key"),
                sealedKey: try row.blob("sealed_key"), createdAt: try row.date("created_at"))
        }
    }

    public func insert(_ key: SigningKey) async throws {
        try await db.execute(
            "INSERT INTO audit_keys (key_id, verifier_key, sealed_key, created_at) VALUES (?, ?, ?, ?)",
            key.keyID, key.verifierKey, key.sealedKey, key.createdAt.unixMilliseconds)
    }

    /// The newest signing key, the one new checkpoints are signed with.
    public func signingKey() async throws -> SigningKey? {
        try await db.first("SELECT * FROM audit_keys ORDER BY created_at DESC, key_id LIMIT 1").map(SigningKey.init)
    }

    /// Every signing key, newest first.
    public func signingKeys() async throws -> [SigningKey] {
        try await db.query("SELECT * FROM audit_keys ORDER BY created_at DESC, key_id").map(SigningKey.init)
    }

    /// Replaces a key's sealed form (KEK rotation).
    public func updateSealedKey(keyID: String, _ sealedKey: [UInt8]) async throws {
        try await db.execute("UPDATE audit_keys SET sealed_key = ? WHERE key_id = ?", sealedKey, keyID)
    }
}

/// A search of the log. Filters combine with AND; pages continue from the last index seen.
public struct AuditQuery: Sendable, Hashable {
    public var householdID: String?
    public var actor: String?
    public var subject: String?
    public var action: String?
    public var since: Date?
    public var until: Date?
    public var afterIndex: Int64?
    public var beforeIndex: Int64?
    public var newestFirst: Bool
    public var limit: Int

    public init(
        householdID: String? = nil, actor: String? = nil, subject: String? = nil, action: String? = nil,
        since: Date? = nil, until: Date? = nil, afterIndex: Int64? = nil, beforeIndex: Int64? = nil,
        newestFirst: Bool = true, limit: Int = 100
    ) {
        self.householdID = householdID
        self.actor = actor
        self.subject = subject
        self.action = action
        self.since = since
        self.until = until
        self.afterIndex = afterIndex
        self.beforeIndex = beforeIndex
        self.newestFirst = newestFirst
        self.limit = limit
    }
}

extension AuditEntry {
    init(row: SQLRow) throws {
        self.init(
            index: try row.integer("seq"), time: Date(unixMilliseconds: try row.integer("time")),
            householdID: try row.optionalText("household_id"), actor: try row.text("actor"), action: try row.text("action"),
            subject: try row.text("subject"), reason: try row.text("reason"), details: try row.optionalText("details"),
            detailsSalt: row["details_salt"] == .null ? nil : try row.blob("details_salt"),
            detailsCommitment: try row.blob("details_commitment"),
            redactedAt: try row.optionalDate("redacted_at"))
    }

    var sqlValues: [SQLValue] {
        [
            .integer(index), .integer(time.unixMilliseconds), householdID.sqlValue, .text(actor), .text(action),
            .text(subject), .text(reason), details.sqlValue, detailsSalt.sqlValue, .blob(detailsCommitment),
            redactedAt.map { .integer($0.unixMilliseconds) } ?? .null, .integer(holdsPersonalData ? 1 : 0),
        ]
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
