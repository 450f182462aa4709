import struct Foundation.Date
import HearthCore

/// Audit witnessing (docs/audit.md, "Witnesses"), both ways: the logs this hub witnesses for
/// others, and the witnesses this hub submits its own checkpoints to.
public struct WitnessRecords: Sendable {
    let db: any SQLExecutor

    /// A log this hub witnesses: its verifier key (named by its origin) and the latest checkpoint
    /// cosigned for it.
    public struct WitnessedLogRow: Sendable, Hashable {
        public let origin: String
        public let verifierKey: String
        public let size: Int64
        public let rootHash: [UInt8]?
        /// The latest cosigned checkpoint as submitted, with the cosignature appended.
        public let note: String?
        public let addedAt: Date
        public let updatedAt: Date

        public init(
            origin: String, verifierKey: String, size: Int64 = 0, rootHash: [UInt8]? = nil, note: String? = nil,
            addedAt: Date, updatedAt: Date
        ) {
            self.origin = origin
            self.verifierKey = verifierKey
            self.size = size
            self.rootHash = rootHash
            self.note = note
            self.addedAt = addedAt
            self.updatedAt = updatedAt
        }
    }

    public func insert(_ log: WitnessedLogRow) async throws {
        try await db.execute(
            """
            INSERT INTO witnessed_logs (origin, verifier_key, size, root_hash, note, added_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            log.origin, log.verifierKey, log.size, log.rootHash, log.note, log.addedAt.unixMilliseconds,
            log.updatedAt.unixMilliseconds)
    }

    public func witnessedLog(origin: String) async throws -> WitnessedLogRow? {
        try await db.first("SELECT * FROM witnessed_logs WHERE origin = ?", origin).map(Self.witnessedLog)
    }

    public func witnessedLogs() async throws -> [WitnessedLogRow] {
        try await db.query("SELECT * FROM witnessed_logs ORDER BY origin").map(Self.witnessedLog)
    }

    /// Returns false when there was no such log.
    public func deleteWitnessedLog(origin: String) async throws -> Bool {
        !(try await db.query("DELETE FROM witnessed_logs WHERE origin = ? RETURNING origin", origin)).isEmpty
    }

    /// Moves the log's cosigned checkpoint from `oldSize` to the new one, only if it is still at
    /// `oldSize`: the check and the update are one statement, so two submissions racing cannot
    /// roll the record back. Returns false when another submission moved it first.
    public func advanceWitnessedLog(
        origin: String, from oldSize: Int64, size: Int64, rootHash: [UInt8], note: String, at time: Date
    ) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE witnessed_logs SET size = ?, root_hash = ?, note = ?, updated_at = ?
            WHERE origin = ? AND size = ? RETURNING origin
            """,
            size, rootHash, note, time.unixMilliseconds, origin, oldSize)).isEmpty
    }

    /// A witness of this hub's audit log.
    public struct LogWitnessRow: Sendable, Hashable {
        public let name: String
        public let verifierKey: String
        /// The witness's submission prefix; `add-checkpoint` is posted below it.
        public let url: String
        /// The root the witness's TLS certificate chains to, when not one the system trusts.
        public let caPEM: String?
        /// The size of the latest checkpoint the witness cosigned, as far as this hub knows.
        public let size: Int64
        /// That checkpoint with the hub's signature and the witness's cosignature.
        public let note: String?
        public let lastError: String?
        public let addedAt: Date
        public let updatedAt: Date

        public init(
            name: String, verifierKey: String, url: String, caPEM: String?, size: Int64 = 0, note: String? = nil,
            lastError: String? = nil, addedAt: Date, updatedAt: Date
        ) {
            self.name = name
            self.verifierKey = verifierKey
            self.url = url
            self.caPEM = caPEM
            self.size = size
            self.note = note
            self.lastError = lastError
            self.addedAt = addedAt
            self.updatedAt = updatedAt
        }
    }

    public func insert(_ witness: LogWitnessRow) async throws {
        try await db.execute(
            """
            INSERT INTO audit_witnesses (name, verifier_key, url, ca_pem, size, note, last_error, added_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            witness.name, witness.verifierKey, witness.url, witness.caPEM, witness.size, witness.note, witness.lastError,
            witness.addedAt.unixMilliseconds, witness.updatedAt.unixMilliseconds)
    }

    public func logWitnesses() async throws -> [LogWitnessRow] {
        try await db.query("SELECT * FROM audit_witnesses ORDER BY name").map(Self.logWitness)
    }

    public func logWitness(name: String) async throws -> LogWitnessRow? {
        try await db.first("SELECT * FROM audit_witnesses WHERE name = ?", name).map(Self.logWitness)
    }

    public func deleteLogWitness(name: String) async throws -> Bool {
        !(try await db.query("DELETE FROM audit_witnesses WHERE name = ? RETURNING name", name)).isEmpty
    }

    /// Records a cosignature: the witness now holds checkpoint `size`.
    public func recordCosigned(name: String, size: Int64, note: String, at time: Date) async throws {
        try await db.execute(
            "UPDATE audit_witnesses SET size = ?, note = ?, last_error = NULL, updated_at = ? WHERE name = ?",
            size, note, time.unixMilliseconds, name)
    }

    /// Records why the last submission failed (the newest cosigned checkpoint stays).
    public func recordFailure(name: String, error: String, at time: Date) async throws {
        try await db.execute(
            "UPDATE audit_witnesses SET last_error = ?, updated_at = ? WHERE name = ?", error, time.unixMilliseconds, name)
    }

    static func witnessedLog(_ row: SQLRow) throws -> WitnessedLogRow {
        WitnessedLogRow(
            origin: try row.text("origin"), verifierKey: try row.text("verifier_key"), size: try row.integer("size"),
            rootHash: try row.optionalBlob("root_hash"), note: try row.optionalText("note"), addedAt: try row.date("added_at"),
            updatedAt: try row.date("updated_at"))
    }

    static func logWitness(_ row: SQLRow) throws -> LogWitnessRow {
        LogWitnessRow(
            name: try row.text("name"), verifierKey: try row.text("verifier_key"), url: try row.text("url"),
            caPEM: try row.optionalText("ca_pem"), size: try row.integer("size"), note: try row.optionalText("note"),
            lastError: try row.optionalText("last_error"), addedAt: try row.date("added_at"), updatedAt: try row.date("updated_at"))
    }
}
