import Foundation
import HearthCore

/// Detection's alerts (docs/detection.md): what was found, its evidence, what the hub did about
/// it, and who acknowledged it. Evidence and actions are kept as the JSON the detection service
/// wrote; this layer does not interpret them. A hub-wide alert (a stranger guessing at the hub)
/// has no household.
public struct AlertRecords: Sendable {
    let db: any SQLExecutor

    public struct AlertRow: Sendable, Hashable {
        public let id: String
        public let household: HouseholdID?
        public let kind: String
        public let suspect: String
        public var severity: String
        public var summary: String
        public let evidence: String
        public var actions: String
        public let raisedAt: Date
        public var updatedAt: Date
        public var acknowledgedAt: Date?
        public var acknowledgedBy: String?

        public init(
            id: String, household: HouseholdID?, kind: String, suspect: String, severity: String, summary: String,
            evidence: String, actions: String, raisedAt: Date, updatedAt: Date, acknowledgedAt: Date? = nil,
            acknowledgedBy: String? = nil
        ) {
            self.id = id
            self.household = household
            self.kind = kind
            self.suspect = suspect
            self.severity = severity
            self.summary = summary
            self.evidence = evidence
            self.actions = actions
            self.raisedAt = raisedAt
            self.updatedAt = updatedAt
            self.acknowledgedAt = acknowledgedAt
            self.acknowledgedBy = acknowledgedBy
        }
    }

    public func insert(_ alert: AlertRow) async throws {
        try await db.execute(
            """
            INSERT INTO alerts (id, household_id, kind, suspect, severity, summary, evidence, actions, raised_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            alert.id, alert.household.map { SQLValue.text($0.rawValue) } ?? .null, alert.kind, alert.suspect, alert.severity,
            alert.summary, alert.evidence, alert.actions, alert.raisedAt.unixMilliseconds, alert.updatedAt.unixMilliseconds)
    }

    /// A further step on an alert: its severity, summary and actions as they are now.
    public func update(_ alert: AlertRow) async throws {
        try await db.execute(
            "UPDATE alerts SET severity = ?, summary = ?, actions = ?, updated_at = ? WHERE id = ?",
            alert.severity, alert.summary, alert.actions, alert.updatedAt.unixMilliseconds, alert.id)
    }

    /// The newest alert of `kind` about `suspect` not acknowledged yet.
    public func open(kind: String, suspect: String) async throws -> AlertRow? {
        try await db.first(
            "SELECT * FROM alerts WHERE kind = ? AND suspect = ? AND acknowledged_at IS NULL ORDER BY raised_at DESC LIMIT 1",
            kind, suspect
        ).map(Self.alert)
    }

    public func find(_ id: String) async throws -> AlertRow? {
        try await db.first("SELECT * FROM alerts WHERE id = ?", id).map(Self.alert)
    }

    /// Newest first: a household's alerts, or (nil) the hub-wide ones.
    public func list(household: HouseholdID?, openOnly: Bool, limit: Int) async throws -> [AlertRow] {
        var conditions = [household == nil ? "household_id IS NULL" : "household_id = ?"]
        var values: [SQLValue] = household.map { [.text($0.rawValue)] } ?? []
        if openOnly { conditions.append("acknowledged_at IS NULL") }
        values.append(.integer(Int64(limit)))
        return try await db.query(
            "SELECT * FROM alerts WHERE " + conditions.joined(separator: " AND ") + " ORDER BY raised_at DESC, id LIMIT ?", values
        ).map(Self.alert)
    }

    /// A household's (or, nil, the hub-wide) alerts raised since `time`: the ones whose weight
    /// still counts in a risk score.
    public func raised(since time: Date, household: HouseholdID?) async throws -> [AlertRow] {
        let rows = if let household {
            try await db.query(
                "SELECT * FROM alerts WHERE raised_at >= ? AND household_id = ? ORDER BY raised_at DESC", time.unixMilliseconds,
                household.rawValue)
        } else {
            try await db.query(
                "SELECT * FROM alerts WHERE raised_at >= ? AND household_id IS NULL ORDER BY raised_at DESC", time.unixMilliseconds)
        }
        return try rows.map(Self.alert)
    }

    /// Every alert raised since `time`, in any household or none.
    public func raised(since time: Date) async throws -> [AlertRow] {
        try await db.query("SELECT * FROM alerts WHERE raised_at >= ? ORDER BY raised_at DESC", time.unixMilliseconds).map(Self.alert)
    }

    /// Marks an alert acknowledged; the row as it is now, nil when there is no such alert.
    public func acknowledge(_ id: String, by actor: String, at time: Date) async throws -> AlertRow? {
        try await db.execute(
            "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL",
            time.unixMilliseconds, actor, id)
        return try await find(id)
    }

    /// Alerts acknowledged at or after `time`, oldest first (what the running hub lifts).
    public func acknowledged(since time: Date) async throws -> [AlertRow] {
        try await db.query(
            "SELECT * FROM alerts WHERE acknowledged_at >= ? ORDER BY acknowledged_at", time.unixMilliseconds
        ).map(Self.alert)
    }

    /// Deletes the alerts acknowledged before `time`, with the held commands and webhook
    /// deliveries that name them; how many alerts went.
    public func deleteAcknowledged(before time: Date) async throws -> Int {
        let old = "SELECT id FROM alerts WHERE acknowledged_at IS NOT NULL AND acknowledged_at < ?"
        try await db.execute("DELETE FROM webhook_deliveries WHERE alert_id IN (\(old))", time.unixMilliseconds)
        try await db.execute("DELETE FROM held_commands WHERE alert_id IN (\(old))", time.unixMilliseconds)
        return try await db.query(
            "DELETE FROM alerts WHERE acknowledged_at IS NOT NULL AND acknowledged_at < ? RETURNING id", time.unixMilliseconds
        ).count
    }

    private static func alert(_ row: SQLRow) throws -> AlertRow {
        AlertRow(
            id: try row.text("id"), household: try row.optionalText("household_id").flatMap(HouseholdID.init),
            kind: try row.text("kind"), suspect: try row.text("suspect"), severity: try row.text("severity"),
            summary: try row.text("summary"), evidence: try row.text("evidence"), actions: try row.text("actions"),
            raisedAt: try row.date("raised_at"), updatedAt: try row.date("updated_at"),
            acknowledgedAt: try row.optionalDate("acknowledged_at"), acknowledgedBy: try row.optionalText("acknowledged_by"))
    }
}
