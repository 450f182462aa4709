import Foundation
import HearthCore

/// Devices' firmware reports and owners' posture rules (docs/firmware.md, "Posture").
public struct PostureRecords: Sendable {
    let db: any SQLExecutor

    public struct ReportRow: Sendable, Hashable {
        public let device: DeviceID
        public let model: String
        public let version: String
        public let securityVersion: Int64
        public let sha256: String?
        public let source: String
        public let reportedAt: Date

        public init(device: DeviceID, model: String, version: String, securityVersion: Int64, sha256: String?, source: String, reportedAt: Date) {
            self.device = device
            self.model = model
            self.version = version
            self.securityVersion = securityVersion
            self.sha256 = sha256
            self.source = source
            self.reportedAt = reportedAt
        }

        init?(_ row: SQLRow) throws {
            guard let device = DeviceID(try row.text("device_id")) else { return nil }
            self.init(
                device: device, model: try row.text("model"), version: try row.text("version"),
                securityVersion: try row.integer("security_version"), sha256: try row.optionalText("sha256"),
                source: try row.text("source"), reportedAt: try row.date("reported_at"))
        }
    }

    public struct RuleRow: Sendable, Hashable {
        public let household: HouseholdID
        public let scopeKind: String
        public let scopeValue: String
        public let minimumSecurityVersion: Int64
        public let restriction: String
        public let createdAt: Date
        public let createdBy: String

        public init(
            household: HouseholdID, scopeKind: String, scopeValue: String, minimumSecurityVersion: Int64, restriction: String,
            createdAt: Date, createdBy: String
        ) {
            self.household = household
            self.scopeKind = scopeKind
            self.scopeValue = scopeValue
            self.minimumSecurityVersion = minimumSecurityVersion
            self.restriction = restriction
            self.createdAt = createdAt
            self.createdBy = createdBy
        }
    }

    public func report(_ device: DeviceID) async throws -> ReportRow? {
        guard let row = try await db.first("SELECT * FROM device_firmware WHERE device_id = ?", device.rawValue) else { return nil }
        return try ReportRow(row)
    }

    /// Every report of the household's devices, by device.
    public func reports(household: HouseholdID) async throws -> [DeviceID: ReportRow] {
        let rows = try await db.query(
            "SELECT f.* FROM device_firmware f JOIN devices d ON d.id = f.device_id WHERE d.household_id = ?", household.rawValue)
        var reports: [DeviceID: ReportRow] = [:]
        for row in rows { if let report = try ReportRow(row) { reports[report.device] = report } }
        return reports
    }

    public func putReport(_ report: ReportRow) async throws {
        try await db.execute(
            """
            INSERT INTO device_firmware (device_id, model, version, security_version, sha256, source, reported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (device_id) DO UPDATE SET model = excluded.model, version = excluded.version,
                security_version = excluded.security_version, sha256 = excluded.sha256, source = excluded.source,
                reported_at = excluded.reported_at
            """,
            report.device.rawValue, report.model, report.version, report.securityVersion, report.sha256, report.source,
            report.reportedAt.unixMilliseconds)
    }

    public func rules(household: HouseholdID) async throws -> [RuleRow] {
        try await db.query(
            "SELECT * FROM posture_rules WHERE household_id = ? ORDER BY scope_kind, scope_value", household.rawValue
        ).compactMap(Self.rule)
    }

    private static func rule(_ row: SQLRow) throws -> RuleRow? {
        guard let household = HouseholdID(try row.text("household_id")) else { return nil }
        return RuleRow(
            household: household, scopeKind: try row.text("scope_kind"), scopeValue: try row.text("scope_value"),
            minimumSecurityVersion: try row.integer("minimum_security_version"), restriction: try row.text("restriction"),
            createdAt: try row.date("created_at"), createdBy: try row.text("created_by"))
    }

    /// Sets a rule, replacing the one of the same scope.
    public func putRule(_ rule: RuleRow) async throws {
        try await db.execute(
            """
            INSERT INTO posture_rules (household_id, scope_kind, scope_value, minimum_security_version, restriction, created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (household_id, scope_kind, scope_value) DO UPDATE SET
                minimum_security_version = excluded.minimum_security_version, restriction = excluded.restriction,
                created_at = excluded.created_at, created_by = excluded.created_by
            """,
            rule.household.rawValue, rule.scopeKind, rule.scopeValue, rule.minimumSecurityVersion, rule.restriction,
            rule.createdAt.unixMilliseconds, rule.createdBy)
    }

    /// Removes a rule; false when there was none of that scope.
    public func removeRule(household: HouseholdID, scopeKind: String, scopeValue: String) async throws -> Bool {
        try await !db.query(
            "DELETE FROM posture_rules WHERE household_id = ? AND scope_kind = ? AND scope_value = ? RETURNING scope_kind",
            household.rawValue, scopeKind, scopeValue
        ).isEmpty
    }
}
