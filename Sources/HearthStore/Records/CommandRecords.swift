import Foundation
import HearthCore

/// Commands to devices of context-weighing zones (`security`): the learned history (counts per
/// commander, device and hour of the day, added to per detection round) and the commands held for
/// an owner's approval.
public struct CommandRecords: Sendable {
    let db: any SQLExecutor

    public struct HistoryRow: Sendable, Hashable {
        public let household: HouseholdID
        public let commander: String
        public let device: DeviceID
        public let hour: Int
        public let count: Int
        public let firstAt: Date

        public init(household: HouseholdID, commander: String, device: DeviceID, hour: Int, count: Int, firstAt: Date) {
            self.household = household
            self.commander = commander
            self.device = device
            self.hour = hour
            self.count = count
            self.firstAt = firstAt
        }
    }

    /// Adds `row.count` commands at `at` to the row's counts.
    public func add(_ row: HistoryRow, at time: Date) async throws {
        try await db.execute(
            """
            INSERT INTO command_history (household_id, commander, device_id, hour, count, first_at, last_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (household_id, commander, device_id, hour) DO UPDATE SET
                count = command_history.count + excluded.count, last_at = excluded.last_at
            """,
            row.household.rawValue, row.commander, row.device.rawValue, Int64(row.hour), Int64(row.count),
            row.firstAt.unixMilliseconds, time.unixMilliseconds)
    }

    public func history() async throws -> [HistoryRow] {
        try await db.query("SELECT * FROM command_history").compactMap { row in
            guard let household = HouseholdID(try row.text("household_id")), let device = DeviceID(try row.text("device_id")) else {
                return nil
            }
            return HistoryRow(
                household: household, commander: try row.text("commander"), device: device, hour: Int(try row.integer("hour")),
                count: Int(try row.integer("count")), firstAt: try row.date("first_at"))
        }
    }

    public struct HeldRow: Sendable, Hashable {
        public enum State: String, Sendable {
            case held, approved, refused
        }

        public let id: String
        public let household: HouseholdID
        public let alertID: String
        public let commander: String
        public let device: DeviceID
        public let topic: String
        /// Nil once refused or delivered.
        public let payload: [UInt8]?
        public let reason: String
        public let heldAt: Date
        public let expiresAt: Date
        public let state: State
        public let decidedAt: Date?
        public let decidedBy: String?
        public let deliveredAt: Date?

        public init(
            id: String, household: HouseholdID, alertID: String, commander: String, device: DeviceID, topic: String,
            payload: [UInt8]?, reason: String, heldAt: Date, expiresAt: Date, state: State = .held, decidedAt: Date? = nil,
            decidedBy: String? = nil, deliveredAt: Date? = nil
        ) {
            self.id = id
            self.household = household
            self.alertID = alertID
            self.commander = commander
            self.device = device
            self.topic = topic
            self.payload = payload
            self.reason = reason
            self.heldAt = heldAt
            self.expiresAt = expiresAt
            self.state = state
            self.decidedAt = decidedAt
            self.decidedBy = decidedBy
            self.deliveredAt = deliveredAt
        }
    }

    public func hold(_ command: HeldRow) async throws {
        try await db.execute(
            """
            INSERT INTO held_commands (id, household_id, alert_id, commander, device_id, topic, payload, reason, held_at, expires_at, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'held')
            """,
            command.id, command.household.rawValue, command.alertID, command.commander, command.device.rawValue, command.topic,
            SQLValue.blob(command.payload ?? []), command.reason, command.heldAt.unixMilliseconds, command.expiresAt.unixMilliseconds)
    }

    /// The command an alert holds.
    public func held(alert id: String) async throws -> HeldRow? {
        try await db.first("SELECT * FROM held_commands WHERE alert_id = ?", id).map(Self.held)
    }

    /// Decides a command still held; false when it was decided already (by another owner, node or
    /// call). A refused command's payload goes at once; an approved one's when it is delivered.
    public func decide(_ id: String, _ state: HeldRow.State, by actor: String, at time: Date) async throws -> Bool {
        try await db.first(
            """
            UPDATE held_commands SET state = ?, decided_at = ?, decided_by = ?,
                payload = CASE WHEN ? = 'approved' THEN payload ELSE NULL END
            WHERE id = ? AND state = 'held' RETURNING id
            """,
            state.rawValue, time.unixMilliseconds, actor, state.rawValue, id) != nil
    }

    /// The alerts of a household whose command still waits for a decision, within its time.
    public func holdingAlerts(household: HouseholdID, at time: Date) async throws -> [String] {
        try await db.query(
            "SELECT alert_id FROM held_commands WHERE household_id = ? AND state = 'held' AND expires_at > ?",
            household.rawValue, time.unixMilliseconds
        ).map { try $0.text("alert_id") }
    }

    /// Approved commands no process has delivered yet, still within their time.
    public func undelivered(at time: Date) async throws -> [HeldRow] {
        try await db.query(
            "SELECT * FROM held_commands WHERE state = 'approved' AND delivered_at IS NULL AND expires_at > ? ORDER BY held_at",
            [.integer(time.unixMilliseconds)]
        ).map(Self.held)
    }

    /// Claims an approved command for delivery (its payload goes); false when another process did.
    public func claimDelivery(_ id: String, at time: Date) async throws -> Bool {
        try await db.first(
            "UPDATE held_commands SET delivered_at = ?, payload = NULL WHERE id = ? AND state = 'approved' AND delivered_at IS NULL RETURNING id",
            time.unixMilliseconds, id) != nil
    }

    private static func held(_ row: SQLRow) throws -> HeldRow {
        guard let household = HouseholdID(try row.text("household_id")), let device = DeviceID(try row.text("device_id")),
              let state = HeldRow.State(rawValue: try row.text("state"))
        else { throw HearthError(.storageUnavailable, "a held command's row is malformed") }
        return HeldRow(
            id: try row.text("id"), household: household, alertID: try row.text("alert_id"), commander: try row.text("commander"),
            device: device, topic: try row.text("topic"), payload: try row.optionalBlob("payload"), reason: try row.text("reason"),
            heldAt: try row.date("held_at"), expiresAt: try row.date("expires_at"), state: state,
            decidedAt: try row.optionalDate("decided_at"), decidedBy: try row.optionalText("decided_by"),
            deliveredAt: try row.optionalDate("delivered_at"))
    }
}
