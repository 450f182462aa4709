/// Every migration this binary knows, in order. The highest version is the schema it expects.
public enum Schema {
    public static let migrations: [Migration] = [version1]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let version1 = Migration(
        version: 1,
        name: "households, people, zones, devices, sessions, hub keys",
        statements: [
            """
            CREATE TABLE hub (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                hub_id TEXT NOT NULL,
                trust_domain TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE households (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE zones (
                household_id TEXT NOT NULL REFERENCES households (id),
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, name)
            )
            """,
            """
            CREATE TABLE people (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                email TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
                password_hash TEXT NOT NULL,
                must_change_password INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX people_household ON people (household_id)",
            """
            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                zone TEXT NOT NULL,
                name TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'quarantined', 'decommissioned')),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                FOREIGN KEY (household_id, zone) REFERENCES zones (household_id, name)
            )
            """,
            "CREATE INDEX devices_household ON devices (household_id)",
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                person_id TEXT NOT NULL REFERENCES people (id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_person ON sessions (person_id)",
            "CREATE INDEX sessions_expiry ON sessions (expires_at)",
            """
            CREATE TABLE hub_keys (
                name TEXT PRIMARY KEY,
                sealed_key {blob} NOT NULL,
                certificate_pem TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
        ]
    )
}
