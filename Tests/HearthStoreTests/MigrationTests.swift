import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

@Suite struct MigrationTests {
    @Test(arguments: TestEngine.allCases)
    func migratesAFreshDatabaseOnceAndThenIsIdempotent(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == Schema.latestVersion)
                #expect(try await store.migrate() == Schema.latestVersion)
                let applied = try await store.read { db in
                    try await db.db.query("SELECT version, name FROM schema_migrations ORDER BY version")
                }
                #expect(try applied.map { try $0.integer("version") } == Schema.migrations.map { Int64($0.version) })
            }
            // A second opening applies nothing new.
            let reopened = try await database.withStore { store in try await store.schemaVersion() }
            #expect(reopened == Schema.latestVersion)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func refusesADatabaseFromANewerHearthAndChangesNothing(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let newer = Schema.latestVersion + 1
            try await database.withStore { store in
                try await store.write { db in
                    try await db.db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", newer, "future", 0)
                }
            }
            let error = await #expect(throws: HearthError.self) {
                try await database.withStore { _ in }
            }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.reason.contains("schema version \(newer)") == true)
            #expect(error?.reason.contains("newer hearth") == true)
            let stored = try await database.withStore(migrate: false) { store in try await store.schemaVersion() }
            #expect(stored == newer)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aFailingMigrationLeavesThePreviousVersion(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let broken = Migration(
                version: Schema.latestVersion + 1, name: "broken",
                statements: ["CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "THIS IS NOT SQL"])
            try await database.withStore { store in
                await #expect(throws: (any Error).self) { try await store.migrate(Schema.migrations + [broken]) }
                #expect(try await store.schemaVersion() == Schema.latestVersion)
                let halfDone = try await store.read { db in
                    try await db.db.first(db.db.dialect.tableExistsQuery, "half_done")
                }
                #expect(halfDone == nil)
            }
        }
    }

    /// A hub made before households had members (schema 8) keeps its people: each becomes a
    /// member of the household they had, with the role they had; the first household's owners
    /// operate the hub; live sessions keep working for the household they were made in.
    @Test(arguments: TestEngine.allCases)
    func peopleOfASchema8HubBecomeMembers(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore(migrate: false) { store in
                #expect(try await store.migrate(Array(Schema.migrations.prefix(8))) == 8)
                let (first, second) = (HouseholdID(), HouseholdID())
                let (owner, member, neighbour) = (PersonID(), PersonID(), PersonID())
                try await store.write { db in
                    for (id, name, created) in [(first, "Home", 1), (second, "Next door", 2)] {
                        try await db.db.execute("INSERT INTO households (id, name, created_at) VALUES (?, ?, ?)", id.rawValue, name, created)
                    }
                    for (id, household, email, role) in [
                        (owner, first, "owner@example.org", "owner"), (member, first, "member@example.org", "member"),
                        (neighbour, second, "neighbour@example.org", "owner"),
                    ] {
                        try await db.db.execute(
                            """
                            INSERT INTO people (id, household_id, email, role, password_hash, must_change_password, created_at)
                            VALUES (?, ?, ?, ?, 'hash', 0, 3)
                            """, id.rawValue, household.rawValue, email, role)
                    }
                    try await db.db.execute(
                        "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ('digest', ?, 1, ?)",
                        member.rawValue, Int64.max)
                }
                #expect(try await store.migrate() == Schema.latestVersion)
                try await store.read { db in
                    #expect(try await db.memberships.find(person: owner, household: first)?.role == .owner)
                    #expect(try await db.memberships.find(person: member, household: first)?.role == .member)
                    #expect(try await db.memberships.find(person: neighbour, household: second)?.role == .owner)
                    #expect(try await db.memberships.memberships(of: member).count == 1)
                    #expect(try await db.hubOperators.all().map(\.id) == [owner])
                    let caller = try await db.sessions.caller(tokenDigest: "digest", at: Date(timeIntervalSince1970: 1000))
                    #expect(caller?.householdID == first && caller?.membership?.role == .member && caller?.householdState == .active)
                    #expect(try await db.households.find(second)?.state == .active)
                }
            }
        }
    }
}
