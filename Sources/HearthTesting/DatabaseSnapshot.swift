import HearthStore

/// Every row of every table, as comparable text: take one before and after a request to prove
/// that the request changed nothing.
public struct DatabaseSnapshot: Equatable, Sendable {
    public let tables: [String: [String]]

    public static let tableNames = [
        "schema_migrations", "hub", "hub_keys", "households", "zones", "people", "devices", "sessions",
        "audit_entries", "audit_nodes", "audit_head", "audit_checkpoints", "audit_keys", "ca_authorities",
        "certificates", "ca_crls", "pki_state", "pairing_windows", "pairing_requests", "pairing_expectations", "manufacturer_roots",
        "attestation_challenges", "attested_expectations", "device_transfers", "memberships", "hub_operators",
        "invitations", "account_recovery_codes", "oauth_grants", "oauth_access_tokens", "sign_in_failures",
        "telemetry_flows", "flow_consents", "bridge_destinations", "bridge_daily", "alert_webhooks",
    ]

    /// Written only by the audit checkpoint job, on its own timer — its first round runs as the hub
    /// starts and can land between a test's two snapshots — never by a request: not compared.
    public static let timerTables: Set<String> = ["audit_checkpoints"]

    /// The broker's tables, which live sessions change on their own (not in ``tableNames``).
    public static let messagingTables = ["mqtt_sessions", "mqtt_queued", "mqtt_retained"]

    /// The tables (of every table here and the broker's) with a value holding `needle` — as
    /// text, or as UTF-8 inside a blob (a stored payload).
    public static func tables(holding needle: String, in store: Store) async throws -> [String] {
        try await store.read { db in
            var found: [String] = []
            for table in tableNames + messagingTables {
                let rows = try await db.db.query("SELECT * FROM \(table)")
                let holds = rows.contains { row in
                    row.values.values.contains { value in
                        switch value {
                        case .text(let text): text.contains(needle)
                        case .blob(let bytes): String(decoding: bytes, as: UTF8.self).contains(needle)
                        default: false
                        }
                    }
                }
                if holds { found.append(table) }
            }
            return found
        }
    }

    /// The same snapshot without what a refused request records — its audit entry and the failure
    /// count that slows the next guess (``FailureThrottle``) — for requests that must change
    /// nothing else.
    public var withoutRefusalRecords: DatabaseSnapshot {
        DatabaseSnapshot(tables: tables.filter { !$0.key.hasPrefix("audit_") && $0.key != "sign_in_failures" })
    }

    /// The same snapshot without one table, for a request that is meant to change it alone.
    public func without(_ table: String) -> DatabaseSnapshot {
        DatabaseSnapshot(tables: tables.filter { $0.key != table })
    }

    public static func take(_ store: Store) async throws -> DatabaseSnapshot {
        try await store.read { db in
            var tables: [String: [String]] = [:]
            for table in tableNames where !timerTables.contains(table) {
                // Table names come from the fixed list above, never from input.
                let rows = try await db.db.query("SELECT * FROM \(table)")
                tables[table] = rows.map { row in
                    row.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|")
                }.sorted()
            }
            return DatabaseSnapshot(tables: tables)
        }
    }
}
