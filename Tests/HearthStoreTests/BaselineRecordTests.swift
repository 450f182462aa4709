import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

/// Detection's learned baselines survive in the store: written as thousandths, read back from a
/// given time on, overwritten in place, and forgotten once stale.
@Suite struct BaselineRecordTests {
    @Test(arguments: TestEngine.allCases)
    func ratesAreSavedReadBackAndForgottenWhenStale(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let start = Date(timeIntervalSince1970: 1_800_000_000)
                try await store.write { db in
                    try await db.baselines.save(["device:a": 2.5, "client:b": 0.0125, "device:bad": .nan], at: start)
                    try await db.baselines.save(["device:a": 3.25], at: start.addingTimeInterval(60))
                }
                let all = try await store.read { db in try await db.baselines.rates(since: start) }
                #expect(all == ["device:a": 3.25, "client:b": 0.013], "rounded to thousandths; NaN never stored")
                #expect(try await store.read { db in try await db.baselines.rates(since: start.addingTimeInterval(30)) } == ["device:a": 3.25])
                try await store.write { db in try await db.baselines.delete(before: start.addingTimeInterval(30)) }
                #expect(try await store.read { db in try await db.baselines.rates(since: .distantPast) } == ["device:a": 3.25])
            }
        }
    }
}
