import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

@Suite struct SignInFailureRecordTests {
    @Test(arguments: TestEngine.allCases)
    func failuresAddUpPerKeyAndClearAndSweepForget(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock(Date(unixMilliseconds: 1_700_000_000_000))
            try await database.withStore(clock: clock) { store in
                let start = clock.now
                try await store.write { db in
                    // A repeated key counts once per failure, not once per mention.
                    try await db.signInFailures.recordFailure(["source:a", "account:x", "source:a"], at: start)
                }
                clock.advance(by: 10)
                let later = clock.now
                try await store.write { db in try await db.signInFailures.recordFailure(["account:x"], at: later) }

                let counts = try await store.read { db in
                    try await db.signInFailures.counts(["account:x", "source:a", "source:unknown", "account:x"])
                }
                #expect(counts == [
                    "account:x": FailureCount(failures: 2, lastFailure: later),
                    "source:a": FailureCount(failures: 1, lastFailure: start),
                ])
                // More keys than one statement's chunk.
                let many = (0..<250).map { "source:10.0.\($0 / 256).\($0 % 256)" }
                try await store.write { db in try await db.signInFailures.recordFailure(many, at: later) }
                #expect(try await store.read { db in try await db.signInFailures.counts(many + ["account:x"]) }.count == 251)

                try await store.write { db in try await db.signInFailures.clear("account:x") }
                #expect(try await store.read { db in try await db.signInFailures.counts(["account:x"]) }.isEmpty)

                let removed = try await store.write { db in try await db.signInFailures.deleteStale(before: later) }
                #expect(removed == 1, "only source:a's newest failure is before the cut-off")
                #expect(try await store.read { db in try await db.signInFailures.counts(["source:a"]) }.isEmpty)
            }
        }
    }

    /// Two nodes on one PostgreSQL database (two stores, each with its own connections) counting
    /// at the same moment: the increment happens in the database, so no failure is lost, and the
    /// upserts do not deadlock. (SQLite runs one writer at a time for the whole file, so there
    /// nothing can interleave; under a full test run its busy timeout, not the records, was what
    /// such a burst measured.)
    @Test func failuresCountedAtOnceFromTwoStoresAllCount() async throws {
        try await TestDatabase.with(.postgres) { database in
            try await database.withStore { first in
                try await database.withStore { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for attempt in 0..<20 {
                            let store = attempt.isMultiple(of: 2) ? first : second
                            // Keys in both orders: the upsert takes its row locks sorted.
                            let keys = attempt.isMultiple(of: 3) ? ["account:x", "source:a"] : ["source:a", "account:x"]
                            group.addTask {
                                try await store.write { db in try await db.signInFailures.recordFailure(keys, at: db.clock.now) }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let counts = try await second.read { db in try await db.signInFailures.counts(["account:x", "source:a"]) }
                    #expect(counts["account:x"]?.failures == 20)
                    #expect(counts["source:a"]?.failures == 20)
                }
            }
        }
    }
}
