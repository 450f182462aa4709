import Foundation
import HearthCore

/// Firmware rollouts (docs/firmware.md, "Rollouts"): each campaign's plan and progress as JSON.
public struct CampaignRecords: Sendable {
    let db: any SQLExecutor

    public struct Row: Sendable, Hashable {
        public let id: String
        public let model: String
        /// `updating`, `soaking`, `halted` or `completed`.
        public let phase: String
        public let machine: String
        public let createdAt: Date
        public let createdBy: String
        public let updatedAt: Date

        public init(id: String, model: String, phase: String, machine: String, createdAt: Date, createdBy: String, updatedAt: Date) {
            self.id = id
            self.model = model
            self.phase = phase
            self.machine = machine
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.updatedAt = updatedAt
        }

        init(_ row: SQLRow) throws {
            self.init(
                id: try row.text("id"), model: try row.text("model"), phase: try row.text("phase"), machine: try row.text("machine"),
                createdAt: try row.date("created_at"), createdBy: try row.text("created_by"), updatedAt: try row.date("updated_at"))
        }
    }

    public func insert(_ row: Row) async throws {
        try await db.execute(
            "INSERT INTO firmware_campaigns (id, model, phase, machine, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            row.id, row.model, row.phase, row.machine, row.createdAt.unixMilliseconds, row.createdBy, row.updatedAt.unixMilliseconds)
    }

    /// Writes a campaign's progress only if nobody else did since `previous` (another node's tick).
    public func update(id: String, phase: String, machine: String, previous: Date, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE firmware_campaigns SET phase = ?, machine = ?, updated_at = ? WHERE id = ? AND updated_at = ? RETURNING id",
            phase, machine, time.unixMilliseconds, id, previous.unixMilliseconds
        ).isEmpty
    }

    public func all() async throws -> [Row] {
        try await db.query("SELECT * FROM firmware_campaigns ORDER BY created_at DESC, id").map(Row.init)
    }

    public func active() async throws -> [Row] {
        try await db.query("SELECT * FROM firmware_campaigns WHERE phase IN ('updating', 'soaking') ORDER BY created_at, id").map(Row.init)
    }

    public func find(_ id: String) async throws -> Row? {
        try await db.first("SELECT * FROM firmware_campaigns WHERE id = ?", id).map(Row.init)
    }
}
