import Foundation
import HearthCore

/// Alert webhooks (docs/detection.md, "Webhook"): where each scope's alerts go — a household, by
/// its id, or the hub-wide ones, `hub` — and the deliveries, an outbox written with the alert
/// event and worked through by the running hub with retries.
public struct WebhookRecords: Sendable {
    let db: any SQLExecutor

    public struct WebhookRow: Sendable, Hashable {
        public let scope: String
        public let url: String
        public let secretSealed: [UInt8]
        /// PEM roots the receiver's certificate must chain to, in place of the system's; nil for those.
        public let trustRootsPEM: String?
        public let createdAt: Date
        public let createdBy: String

        public init(scope: String, url: String, secretSealed: [UInt8], trustRootsPEM: String? = nil, createdAt: Date, createdBy: String) {
            self.scope = scope
            self.url = url
            self.secretSealed = secretSealed
            self.trustRootsPEM = trustRootsPEM
            self.createdAt = createdAt
            self.createdBy = createdBy
        }
    }

    public struct DeliveryRow: Sendable, Hashable {
        public enum State: String, Sendable {
            case pending, delivered, failed
        }

        public let id: String
        public let scope: String
        public let alertID: String
        public let event: String
        public let body: String
        public var state: State
        public var attempts: Int
        public var nextAt: Date
        public var lastStatus: Int?
        public var lastError: String?
        public let createdAt: Date
        public var updatedAt: Date

        public init(
            id: String, scope: String, alertID: String, event: String, body: String, state: State = .pending, attempts: Int = 0,
            nextAt: Date, lastStatus: Int? = nil, lastError: String? = nil, createdAt: Date, updatedAt: Date
        ) {
            self.id = id
            self.scope = scope
            self.alertID = alertID
            self.event = event
            self.body = body
            self.state = state
            self.attempts = attempts
            self.nextAt = nextAt
            self.lastStatus = lastStatus
            self.lastError = lastError
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    /// Sets the scope's webhook, replacing any before it.
    public func put(_ webhook: WebhookRow) async throws {
        try await db.execute(
            """
            INSERT INTO alert_webhooks (scope, url, secret_sealed, trust_roots_pem, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope) DO UPDATE SET url = excluded.url, secret_sealed = excluded.secret_sealed,
                trust_roots_pem = excluded.trust_roots_pem, created_at = excluded.created_at, created_by = excluded.created_by
            """,
            webhook.scope, webhook.url, SQLValue.blob(webhook.secretSealed), webhook.trustRootsPEM.map(SQLValue.text) ?? .null,
            webhook.createdAt.unixMilliseconds, webhook.createdBy)
    }

    public func find(scope: String) async throws -> WebhookRow? {
        try await db.first("SELECT * FROM alert_webhooks WHERE scope = ?", scope).map(Self.webhook)
    }

    public func all() async throws -> [WebhookRow] {
        try await db.query("SELECT * FROM alert_webhooks ORDER BY scope").map(Self.webhook)
    }

    /// Removes the scope's webhook and the deliveries still waiting for it; false when there was none.
    public func remove(scope: String) async throws -> Bool {
        try await db.execute("DELETE FROM webhook_deliveries WHERE scope = ? AND state = 'pending'", scope)
        return try await db.first("DELETE FROM alert_webhooks WHERE scope = ? RETURNING scope", scope) != nil
    }

    /// A new key for the KEK's rotation.
    public func reseal(scope: String, _ sealed: [UInt8]) async throws {
        try await db.execute("UPDATE alert_webhooks SET secret_sealed = ? WHERE scope = ?", SQLValue.blob(sealed), scope)
    }

    public func enqueue(_ delivery: DeliveryRow) async throws {
        try await db.execute(
            """
            INSERT INTO webhook_deliveries (id, scope, alert_id, event, body, state, attempts, next_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            delivery.id, delivery.scope, delivery.alertID, delivery.event, delivery.body, delivery.state.rawValue,
            Int64(delivery.attempts), delivery.nextAt.unixMilliseconds, delivery.createdAt.unixMilliseconds,
            delivery.updatedAt.unixMilliseconds)
    }

    /// Pending deliveries due at `time`, oldest first.
    public func due(at time: Date, limit: Int) async throws -> [DeliveryRow] {
        try await db.query(
            "SELECT * FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
            time.unixMilliseconds, Int64(limit)
        ).map(Self.delivery)
    }

    /// Takes a due delivery for one attempt by moving its next time to `until` (so no other node
    /// posts it meanwhile); false when another node took it first.
    public func claim(_ delivery: DeliveryRow, until: Date) async throws -> Bool {
        try await db.first(
            "UPDATE webhook_deliveries SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ? RETURNING id",
            until.unixMilliseconds, delivery.id, delivery.nextAt.unixMilliseconds) != nil
    }

    /// The outcome of an attempt: the row's state, attempts, next time and last answer.
    public func update(_ delivery: DeliveryRow) async throws {
        try await db.execute(
            """
            UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?, updated_at = ?
            WHERE id = ?
            """,
            delivery.state.rawValue, Int64(delivery.attempts), delivery.nextAt.unixMilliseconds,
            delivery.lastStatus.map { SQLValue.integer(Int64($0)) } ?? .null, delivery.lastError.map(SQLValue.text) ?? .null,
            delivery.updatedAt.unixMilliseconds, delivery.id)
    }

    /// The scope's deliveries, newest first.
    public func deliveries(scope: String, limit: Int) async throws -> [DeliveryRow] {
        try await db.query(
            "SELECT * FROM webhook_deliveries WHERE scope = ? ORDER BY created_at DESC, id LIMIT ?", scope, Int64(limit)
        ).map(Self.delivery)
    }

    private static func webhook(_ row: SQLRow) throws -> WebhookRow {
        WebhookRow(
            scope: try row.text("scope"), url: try row.text("url"), secretSealed: try row.blob("secret_sealed"),
            trustRootsPEM: try row.optionalText("trust_roots_pem"), createdAt: try row.date("created_at"), createdBy: try row.text("created_by"))
    }

    private static func delivery(_ row: SQLRow) throws -> DeliveryRow {
        guard let state = DeliveryRow.State(rawValue: try row.text("state")) else {
            throw HearthError(.storageUnavailable, "a stored webhook delivery has an unknown state")
        }
        return DeliveryRow(
            id: try row.text("id"), scope: try row.text("scope"), alertID: try row.text("alert_id"), event: try row.text("event"),
            body: try row.text("body"), state: state, attempts: Int(try row.integer("attempts")), nextAt: try row.date("next_at"),
            lastStatus: try row.optionalInteger("last_status").map(Int.init), lastError: try row.optionalText("last_error"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
