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
}
