import HearthCore
import HearthStore
import HearthStoreSQLite
import HearthTesting
import Logging
import Testing

/// The engines' statement paths under the records: values of every kind round-trip unchanged,
/// and a statement stays correct when it is reused (SQLite compiles each text once and keeps it).
@Suite struct EngineStatementTests {
    static func withTable(_ engine: TestEngine, _ body: (any DatabaseEngine) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { database in
            let engine = try await database.makeEngine()
            try await Store.withRunning(engine, clock: SystemClock(), logger: .init(label: "test"), migrate: false) { _ in
                try await engine.transaction { db in
                    try await db.execute(
                        "CREATE TABLE probe (id BIGINT PRIMARY KEY, label TEXT UNIQUE, amount DOUBLE PRECISION, data \(db.dialect.blobType))")
                }
                try await body(engine)
            }
        }
    }

    static let insert = "INSERT INTO probe (id, label, amount, data) VALUES (?, ?, ?, ?)"
    static let select = "SELECT id, label, amount, data FROM probe WHERE id = ?"

    @Test(arguments: TestEngine.allCases)
    func everyKindOfValueRoundTrips(engine: TestEngine) async throws {
        try await Self.withTable(engine) { engine in
            let rows: [[SQLValue]] = [
                [.integer(1), .text(""), .real(0), .blob([])],
                [.integer(2), .null, .null, .null],
                [.integer(Int64.max), .text("Küche 🔥 'quoted' ?"), .real(-1.5e300), .blob([0, 255, 0, 1])],
                [.integer(Int64.min), .text(String(repeating: "x", count: 2_000)), .real(0.1), .blob(Array(repeating: 7, count: 70_000))],
            ]
            try await engine.transaction { db in
                for row in rows { try await db.query(Self.insert, row) }
            }
            for row in rows {
                let read = try await engine.read { db in try await db.query(Self.select, [row[0]]) }
                #expect(read.count == 1)
                #expect([read[0]["id"], read[0]["label"], read[0]["amount"], read[0]["data"]] == row)
            }
            // Empty text and an empty blob are values, not NULL.
            let nulls = try await engine.read { db in
                try await db.query("SELECT COUNT(*) AS n FROM probe WHERE label IS NULL OR data IS NULL", [])
            }
            #expect(nulls.first?["n"] == .integer(1))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aReusedStatementSeesItsNewBindsAndSurvivesAFailure(engine: TestEngine) async throws {
        try await Self.withTable(engine) { engine in
            for id in 1...50 {
                try await engine.transaction { db in
                    try await db.query(Self.insert, [.integer(Int64(id)), .text("label \(id)"), .real(Double(id)), .blob([UInt8(id)])])
                }
            }
            // The same INSERT fails on the unique label and rolls back; the next use works.
            await #expect(throws: HearthError.self) {
                try await engine.transaction { db in
                    try await db.query(Self.insert, [.integer(51), .text("label 51"), .null, .null])
                    try await db.query(Self.insert, [.integer(52), .text("label 1"), .null, .null])
                }
            }
            try await engine.transaction { db in try await db.query(Self.insert, [.integer(52), .text("label 52"), .null, .null]) }
            for id in [1, 25, 50, 52] {
                let read = try await engine.read { db in try await db.query(Self.select, [.integer(Int64(id))]) }
                #expect(read.first?["label"] == .text("label \(id)"))
            }
            let missing = try await engine.read { db in try await db.query(Self.select, [.integer(51)]) }
            #expect(missing.isEmpty)
            // A statement left half-read (one row of many) does not hold the reader's snapshot.
            _ = try await engine.read { db in try await db.first("SELECT id FROM probe ORDER BY id") }
            try await engine.transaction { db in try await db.query(Self.insert, [.integer(53), .text("label 53"), .null, .null]) }
            let count = try await engine.read { db in try await db.query("SELECT COUNT(*) AS n FROM probe", []) }
            #expect(count.first?["n"] == .integer(52))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func moreDistinctStatementsThanTheCacheHoldsStillRun(engine: TestEngine) async throws {
        try await Self.withTable(engine) { engine in
            let distinct = SQLiteEngine.statementCacheLimit + 40
            try await engine.transaction { db in
                for n in 1...distinct {
                    // A different text each time, as batched inserts of varying size make.
                    try await db.query("INSERT INTO probe (id, amount) VALUES (?, \(n))", [.integer(Int64(n))])
                }
            }
            let sum = try await engine.read { db in try await db.query("SELECT SUM(amount) AS total FROM probe", []) }
            #expect(sum.first?["total"] == .real(Double(distinct * (distinct + 1) / 2)))
        }
    }

    /// Two transactions that lock the same two rows in opposite orders: PostgreSQL aborts one to
    /// break the deadlock, and the engine runs it again, so both commit (on SQLite there is one
    /// writer at a time, so they simply run one after the other).
    @Test(arguments: TestEngine.allCases)
    func aTransactionAbortedByADeadlockRunsAgain(engine: TestEngine) async throws {
        try await Self.withTable(engine) { engine in
            try await engine.transaction { db in
                try await db.execute(Self.insert, 1, "first", 0.0, [UInt8]())
                try await db.execute(Self.insert, 2, "second", 0.0, [UInt8]())
            }
            let runs = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (first, second) in [(1, 2), (2, 1)] {
                    group.addTask {
                        try await engine.transaction { db in
                            await runs.increment()
                            try await db.execute("UPDATE probe SET amount = amount + 1 WHERE id = ?", first)
                            // Both hold their first row before either asks for its second: a deadlock
                            // on PostgreSQL, however loaded the machine (the run again passes at once).
                            // SQLite runs one writer at a time, so the second never gets here first.
                            if engine.dialect.name == "postgres" { await runs.bothHoldTheirFirstRow() }
                            try await db.execute("UPDATE probe SET amount = amount + 1 WHERE id = ?", second)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let amounts = try await engine.read { db in try await db.query("SELECT amount FROM probe ORDER BY id") }
            #expect(amounts.map { $0["amount"] } == [.real(2), .real(2)], "both transactions committed once each")
            if engine.dialect.name == "postgres" { #expect(await runs.value == 3, "one of them ran twice") }
        }
    }

    actor Counter {
        var value = 0
        private var waiting: CheckedContinuation<Void, Never>?

        func increment() { value += 1 }

        /// Returns once two runs have called it; later runs pass straight through.
        func bothHoldTheirFirstRow() async {
            if value >= 3 { return }
            if let other = waiting {
                waiting = nil
                other.resume()
                return
            }
            await withCheckedContinuation { waiting = $0 }
        }
    }
}
