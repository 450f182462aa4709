import HearthCore

/// The MQTT broker's durable state: persistent sessions (a JSON record each), the messages
/// queued for them while offline (metadata as JSON, payload as bytes), and retained messages.
public struct MQTTRecords: Sendable {
    let db: any SQLExecutor

    public struct StoredRow: Sendable {
        public let key: String
        public let sequence: Int64
        public let metadata: String
        public let payload: [UInt8]
    }

    public func sessions() async throws -> [(key: String, record: String)] {
        try await db.query("SELECT session_key, record FROM mqtt_sessions ORDER BY session_key").map {
            (try $0.text("session_key"), try $0.text("record"))
        }
    }

    /// One household's persistent sessions (a node taking the household's MQTT over).
    public func sessions(household: HouseholdID) async throws -> [(key: String, record: String)] {
        try await db.query(
            "SELECT session_key, record FROM mqtt_sessions WHERE household_id = ? ORDER BY session_key", household.rawValue
        ).map { (try $0.text("session_key"), try $0.text("record")) }
    }

    /// What is queued for one household's sessions, per session oldest first.
    public func queued(household: HouseholdID) async throws -> [StoredRow] {
        try await db.query(
            "SELECT q.session_key, q.sequence, q.metadata, q.payload FROM mqtt_queued q"
                + " JOIN mqtt_sessions s ON s.session_key = q.session_key WHERE s.household_id = ? ORDER BY q.session_key, q.sequence",
            household.rawValue
        ).map(Self.queuedRow)
    }

    public func saveSession(key: String, household: HouseholdID, record: String) async throws {
        try await db.execute(
            """
            INSERT INTO mqtt_sessions (session_key, household_id, record) VALUES (?, ?, ?)
            ON CONFLICT (session_key) DO UPDATE SET record = excluded.record
            """, key, household.rawValue, record)
    }

    public func endSession(key: String) async throws {
        try await db.execute("DELETE FROM mqtt_queued WHERE session_key = ?", key)
        try await db.execute("DELETE FROM mqtt_sessions WHERE session_key = ?", key)
    }

    /// Every queued message, per session oldest first.
    public func queued() async throws -> [StoredRow] {
        try await db.query("SELECT session_key, sequence, metadata, payload FROM mqtt_queued ORDER BY session_key, sequence")
            .map(Self.queuedRow)
    }

    private static func queuedRow(_ row: SQLRow) throws -> StoredRow {
        StoredRow(
            key: try row.text("session_key"), sequence: try row.integer("sequence"), metadata: try row.text("metadata"),
            payload: try row.blob("payload"))
    }

    public func queue(key: String, sequence: Int64, metadata: String, payload: [UInt8]) async throws {
        try await db.execute(
            "INSERT INTO mqtt_queued (session_key, sequence, metadata, payload) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            key, sequence, metadata, payload)
    }

    public func dequeue(key: String, sequence: Int64) async throws {
        try await db.execute("DELETE FROM mqtt_queued WHERE session_key = ? AND sequence = ?", key, sequence)
    }

    public func retained() async throws -> [(household: String, row: StoredRow)] {
        try await db.query("SELECT household_id, topic, metadata, payload FROM mqtt_retained ORDER BY household_id, topic").map {
            (try $0.text("household_id"), try Self.retainedRow($0))
        }
    }

    /// One household's retained messages, by topic.
    public func retained(household: HouseholdID) async throws -> [StoredRow] {
        try await db.query(
            "SELECT topic, metadata, payload FROM mqtt_retained WHERE household_id = ? ORDER BY topic", household.rawValue
        ).map(Self.retainedRow)
    }

    private static func retainedRow(_ row: SQLRow) throws -> StoredRow {
        StoredRow(key: try row.text("topic"), sequence: 0, metadata: try row.text("metadata"), payload: try row.blob("payload"))
    }

    public func retain(household: HouseholdID, topic: String, metadata: String, payload: [UInt8]) async throws {
        try await db.execute(
            """
            INSERT INTO mqtt_retained (household_id, topic, metadata, payload) VALUES (?, ?, ?, ?)
            ON CONFLICT (household_id, topic) DO UPDATE SET metadata = excluded.metadata, payload = excluded.payload
            """, household.rawValue, topic, metadata, payload)
    }

    public func clearRetained(household: HouseholdID, topic: String) async throws {
        try await db.execute("DELETE FROM mqtt_retained WHERE household_id = ? AND topic = ?", household.rawValue, topic)
    }
}
