import Foundation
import HearthCore

/// Telemetry privacy in the database: declared flows, consents, bridge destinations and what was
/// bridged per day, and the erasure of stored telemetry. Flow declarations are kept as the
/// canonical JSON the privacy core wrote; this layer does not interpret them.
public struct PrivacyRecords: Sendable {
    let db: any SQLExecutor

    // MARK: Flows

    /// A declared flow: `scope` is `device:<id>` or `model:<name>`; `source` who declared it
    /// (`person:<id>`, or `maker:<manufacturer root id>` for a signed maker document).
    public struct FlowRow: Sendable, Hashable {
        public let household: HouseholdID
        public let scope: String
        public let name: String
        public let declaration: String
        public let source: String
        public let declaredAt: Date

        public init(household: HouseholdID, scope: String, name: String, declaration: String, source: String, declaredAt: Date) {
            self.household = household
            self.scope = scope
            self.name = name
            self.declaration = declaration
            self.source = source
            self.declaredAt = declaredAt
        }
    }

    /// Declares (or replaces) a flow.
    public func declare(_ flow: FlowRow) async throws {
        try await db.execute(
            """
            INSERT INTO telemetry_flows (household_id, scope, name, declaration, source, declared_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (household_id, scope, name) DO UPDATE SET
                declaration = excluded.declaration, source = excluded.source, declared_at = excluded.declared_at
            """, flow.household.rawValue, flow.scope, flow.name, flow.declaration, flow.source, flow.declaredAt.unixMilliseconds)
    }

    /// Removes a flow and its consents; whether it existed.
    public func removeFlow(household: HouseholdID, scope: String, name: String) async throws -> Bool {
        try await db.execute(
            "DELETE FROM flow_consents WHERE household_id = ? AND scope = ? AND flow = ?", household.rawValue, scope, name)
        return !(try await db.query(
            "DELETE FROM telemetry_flows WHERE household_id = ? AND scope = ? AND name = ? RETURNING name",
            household.rawValue, scope, name)).isEmpty
    }

    /// The flows of one household, or (nil) of every household.
    public func flows(household: HouseholdID?) async throws -> [FlowRow] {
        let rows = if let household {
            try await db.query("SELECT * FROM telemetry_flows WHERE household_id = ? ORDER BY scope, name", household.rawValue)
        } else {
            try await db.query("SELECT * FROM telemetry_flows ORDER BY household_id, scope, name")
        }
        return try rows.map(Self.flow)
    }

    /// One flow of a household, by scope and name.
    public func flow(household: HouseholdID, scope: String, name: String) async throws -> FlowRow? {
        try await db.first(
            "SELECT * FROM telemetry_flows WHERE household_id = ? AND scope = ? AND name = ?", household.rawValue, scope, name
        ).map(Self.flow)
    }

    private static func flow(_ row: SQLRow) throws -> FlowRow {
        FlowRow(
            household: try household(row), scope: try row.text("scope"), name: try row.text("name"),
            declaration: try row.text("declaration"), source: try row.text("source"), declaredAt: try row.date("declared_at"))
    }

    // MARK: Consents

    /// An owner's consent to one flow reaching one recipient (`apps` or `destination:<name>`).
    public struct ConsentRow: Sendable, Hashable {
        public let household: HouseholdID
        public let scope: String
        public let flow: String
        public let recipient: String
        public let purpose: String
        public let grantedBy: String
        public let grantedAt: Date

        public init(
            household: HouseholdID, scope: String, flow: String, recipient: String, purpose: String, grantedBy: String,
            grantedAt: Date
        ) {
            self.household = household
            self.scope = scope
            self.flow = flow
            self.recipient = recipient
            self.purpose = purpose
            self.grantedBy = grantedBy
            self.grantedAt = grantedAt
        }
    }

    public func grant(_ consent: ConsentRow) async throws {
        try await db.execute(
            """
            INSERT INTO flow_consents (household_id, scope, flow, recipient, purpose, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (household_id, scope, flow, recipient) DO UPDATE SET
                purpose = excluded.purpose, granted_by = excluded.granted_by, granted_at = excluded.granted_at
            """, consent.household.rawValue, consent.scope, consent.flow, consent.recipient, consent.purpose, consent.grantedBy,
            consent.grantedAt.unixMilliseconds)
    }

    /// Withdraws a consent; the withdrawn row, if there was one.
    public func withdraw(household: HouseholdID, scope: String, flow: String, recipient: String) async throws -> ConsentRow? {
        try await db.query(
            "DELETE FROM flow_consents WHERE household_id = ? AND scope = ? AND flow = ? AND recipient = ? RETURNING *",
            household.rawValue, scope, flow, recipient
        ).first.map(Self.consent)
    }

    public func consents(household: HouseholdID?) async throws -> [ConsentRow] {
        let rows = if let household {
            try await db.query("SELECT * FROM flow_consents WHERE household_id = ? ORDER BY scope, flow, recipient", household.rawValue)
        } else {
            try await db.query("SELECT * FROM flow_consents ORDER BY household_id, scope, flow, recipient")
        }
        return try rows.map(Self.consent)
    }

    private static func consent(_ row: SQLRow) throws -> ConsentRow {
        ConsentRow(
            household: try Self.household(row), scope: try row.text("scope"),
            flow: try row.text("flow"), recipient: try row.text("recipient"), purpose: try row.text("purpose"),
            grantedBy: try row.text("granted_by"), grantedAt: try row.date("granted_at"))
    }

    // MARK: Bridge destinations

    /// An external broker telemetry may be bridged to; the hub's client key is sealed.
    public struct DestinationRow: Sendable, Hashable {
        public let household: HouseholdID
        public let name: String
        public let host: String
        public let port: Int
        public let topicPrefix: String
        public let trustRoots: String
        public let clientChain: String
        public let sealedClientKey: [UInt8]
        public let createdAt: Date

        public init(
            household: HouseholdID, name: String, host: String, port: Int, topicPrefix: String, trustRoots: String,
            clientChain: String, sealedClientKey: [UInt8], createdAt: Date
        ) {
            self.household = household
            self.name = name
            self.host = host
            self.port = port
            self.topicPrefix = topicPrefix
            self.trustRoots = trustRoots
            self.clientChain = clientChain
            self.sealedClientKey = sealedClientKey
            self.createdAt = createdAt
        }
    }

    public func addDestination(_ destination: DestinationRow) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO bridge_destinations
                    (household_id, name, host, port, topic_prefix, trust_roots, client_chain, sealed_client_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, destination.household.rawValue, destination.name, destination.host, Int64(destination.port),
                destination.topicPrefix, destination.trustRoots, destination.clientChain, destination.sealedClientKey,
                destination.createdAt.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "the household already has a destination named \(destination.name)")
        }
    }

    /// Removes a destination and the consents that named it; whether it existed.
    public func removeDestination(household: HouseholdID, name: String) async throws -> Bool {
        try await db.execute(
            "DELETE FROM flow_consents WHERE household_id = ? AND recipient = ?", household.rawValue, "destination:" + name)
        return !(try await db.query(
            "DELETE FROM bridge_destinations WHERE household_id = ? AND name = ? RETURNING name", household.rawValue, name)).isEmpty
    }

    public func destinations(household: HouseholdID?) async throws -> [DestinationRow] {
        let rows = if let household {
            try await db.query("SELECT * FROM bridge_destinations WHERE household_id = ? ORDER BY name", household.rawValue)
        } else {
            try await db.query("SELECT * FROM bridge_destinations ORDER BY household_id, name")
        }
        return try rows.map { row in
            DestinationRow(
                household: try Self.household(row), name: try row.text("name"),
                host: try row.text("host"), port: Int(try row.integer("port")), topicPrefix: try row.text("topic_prefix"),
                trustRoots: try row.text("trust_roots"), clientChain: try row.text("client_chain"),
                sealedClientKey: try row.blob("sealed_client_key"), createdAt: try row.date("created_at"))
        }
    }

    // MARK: What was bridged, per day

    public struct DailyRow: Sendable, Hashable, Codable {
        public let destination: String
        public let flow: String
        /// The UTC day, `YYYY-MM-DD`.
        public let day: String
        public let messages: Int64
        public let bytes: Int64
    }

    /// Adds to a day's counts of one flow to one destination.
    public func addBridged(household: HouseholdID, destination: String, flow: String, day: String, messages: Int64, bytes: Int64) async throws {
        try await db.execute(
            """
            INSERT INTO bridge_daily (household_id, destination, flow, day, messages, bytes, audited) VALUES (?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT (household_id, destination, flow, day) DO UPDATE SET
                messages = bridge_daily.messages + excluded.messages, bytes = bridge_daily.bytes + excluded.bytes
            """, household.rawValue, destination, flow, day, messages, bytes)
    }

    /// Days before `today` not yet audited, marked audited now (the caller audits them in the
    /// same transaction).
    public func takeUnauditedDays(before today: String) async throws -> [(household: HouseholdID, row: DailyRow)] {
        try await db.query(
            "UPDATE bridge_daily SET audited = 1 WHERE audited = 0 AND day < ? RETURNING *", today
        ).map { row in
            (try Self.household(row), try Self.daily(row))
        }.sorted { ($0.row.day, $0.row.destination, $0.row.flow) < ($1.row.day, $1.row.destination, $1.row.flow) }
    }

    public func bridged(household: HouseholdID) async throws -> [DailyRow] {
        try await db.query(
            "SELECT * FROM bridge_daily WHERE household_id = ? ORDER BY day, destination, flow", household.rawValue
        ).map(Self.daily)
    }

    private static func daily(_ row: SQLRow) throws -> DailyRow {
        DailyRow(
            destination: try row.text("destination"), flow: try row.text("flow"), day: try row.text("day"),
            messages: try row.integer("messages"), bytes: try row.integer("bytes"))
    }

    private static func household(_ row: SQLRow) throws -> HouseholdID {
        guard let id = HouseholdID(try row.text("household_id")) else {
            throw HearthError(.storageUnavailable, "a stored privacy record names a malformed household id")
        }
        return id
    }

    // MARK: Erasure

    /// Deletes stored telemetry — retained messages and messages queued for offline sessions —
    /// of one device (`devices/<id>/telemetry/…`) or, with nil, of every device of the household.
    /// Returns how many rows went.
    public func eraseTelemetry(household: HouseholdID, device: DeviceID?) async throws -> Int {
        func isTelemetry(_ topic: String) -> Bool {
            let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
            guard levels.count >= 4, levels[0] == "devices", levels[2] == "telemetry" else { return false }
            return device.map { levels[1] == $0.rawValue } ?? true
        }
        var erased = 0
        for row in try await db.query("SELECT topic FROM mqtt_retained WHERE household_id = ?", household.rawValue) {
            let topic = try row.text("topic")
            guard isTelemetry(topic) else { continue }
            try await db.execute("DELETE FROM mqtt_retained WHERE household_id = ? AND topic = ?", household.rawValue, topic)
            erased += 1
        }
        // A queued row names its topic inside its metadata (JSON); its session names the household.
        for row in try await db.query(
            """
            SELECT q.session_key, q.sequence, q.metadata FROM mqtt_queued q
            JOIN mqtt_sessions s ON s.session_key = q.session_key WHERE s.household_id = ?
            """, household.rawValue)
        {
            guard let topic = Self.topic(inMetadata: try row.text("metadata")), isTelemetry(topic) else { continue }
            try await db.execute(
                "DELETE FROM mqtt_queued WHERE session_key = ? AND sequence = ?", try row.text("session_key"),
                try row.integer("sequence"))
            erased += 1
        }
        return erased
    }

    private static func topic(inMetadata metadata: String) -> String? {
        struct Topic: Decodable { let topic: String }
        return try? JSONDecoder().decode(Topic.self, from: Data(metadata.utf8)).topic
    }
}
