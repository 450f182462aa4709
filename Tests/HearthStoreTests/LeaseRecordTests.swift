import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

/// Leases in the database (docs/scale-out.md): one holder at a time, a fence that grows at every
/// change of holder, and a check that refuses a write by a holder whose lease moved on.
@Suite struct LeaseRecordTests {
    @Test(arguments: TestEngine.allCases)
    func oneHolderAtATimeAndTheFenceGrowsWhenTheHolderChanges(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock(Date(unixMilliseconds: 1_700_000_000_000))
            try await database.withStore(clock: clock) { store in
                func acquire(_ holder: String) async throws -> Int64? {
                    try await store.write { db in
                        try await db.leases.acquire(["checkpoint"], holder: holder, until: clock.now.addingTimeInterval(6), at: clock.now)["checkpoint"]
                    }
                }
                func confirm(_ holder: String, _ fence: Int64) async throws -> Bool {
                    try await store.write { db in try await db.leases.confirm("checkpoint", holder: holder, fence: fence, at: clock.now) }
                }
                #expect(try await acquire("a") == 1)
                #expect(try await acquire("b") == nil, "a's lease runs")
                clock.advance(by: 5)
                #expect(try await acquire("a") == 1, "a renewal keeps the fence")
                clock.advance(by: 5.9)
                #expect(try await acquire("b") == nil, "renewed: it runs until 11 s")
                #expect(try await confirm("a", 1))
                clock.advance(by: 0.1)
                #expect(try await acquire("b") == 2, "expired: b takes it, under a new fence")
                #expect(try await confirm("a", 1) == false, "a's writes under the old fence are refused")
                #expect(try await confirm("b", 1) == false, "and so is a stale fence of the holder")
                #expect(try await confirm("b", 2))
                #expect(try await acquire("a") == nil)

                try await store.write { db in try await db.leases.release("checkpoint", holder: "a", at: clock.now) }
                #expect(try await acquire("a") == nil, "only the holder can give it up")
                try await store.write { db in try await db.leases.release("checkpoint", holder: "b", at: clock.now) }
                #expect(try await confirm("b", 2) == false, "given up")
                #expect(try await acquire("a") == 3)
                let rows = try await store.read { db in try await db.leases.all() }
                #expect(rows.map(\.holder) == ["a"] && rows.map(\.fence) == [3])
            }
        }
    }

    /// Requests from one source on any node take from one bucket; an empty bucket changes nothing.
    @Test(arguments: TestEngine.allCases)
    func aSharedBucketEmptiesRefillsAndIsSwept(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock(Date(unixMilliseconds: 1_700_000_000_000))
            try await database.withStore(clock: clock) { store in
                func take(_ key: String = "device|10.0.0.1") async throws -> Int {
                    try await store.write { db in try await db.requestBuckets.take(key, capacity: 3, perSecond: 0.5, at: clock.now) }
                }
                #expect(try await [take(), take(), take()] == [0, 0, 0])
                let before = try await DatabaseSnapshot.take(store)
                #expect(try await take() == 2, "empty; one is back in 2 s")
                #expect(try await DatabaseSnapshot.take(store) == before)
                #expect(try await take("device|10.0.0.2") == 0, "another source has its own bucket")
                clock.advance(by: 2)
                #expect(try await take() == 0)
                #expect(try await take() == 2)
                // Both nodes asking at once: every take counts, none is lost.
                clock.advance(by: 6)
                let taken = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 { group.addTask { try await take() } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(taken.filter { $0 == 0 }.count == 3, "\(taken)")
                let swept = try await store.write { db in
                    try await db.requestBuckets.deleteStale(before: clock.now.addingTimeInterval(-1), namespace: "device|")
                }
                #expect(swept == 1, "10.0.0.2's bucket, untouched for 8 s")
            }
        }
    }
}
