import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Logging
import Testing

/// A node's leases (docs/scale-out.md): taken on first use, renewed, counted on only for two
/// thirds of their duration without a renewal, taken over after expiry, and fenced.
@Suite struct NodeLeasesTests {
    @Test(arguments: TestEngine.allCases)
    func aLeaseMovesOnlyAfterItsHolderStopsRenewingAndTheOldHolderIsFenced(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock(Date(unixMilliseconds: 1_700_000_000_000))
            try await database.withStore(clock: clock) { store in
                let logger = Logger(label: "test")
                let a = NodeLeases(store: store, node: "node-a", duration: 6, logger: logger)
                let b = NodeLeases(store: store, node: "node-b", duration: 6, logger: logger)
                let first = try #require(await a.holding("checkpoint"))
                #expect(first.holder == "node-a" && first.fence == 1)
                #expect(await b.holding("checkpoint") == nil)

                // a renews every third of the duration: b never gets it.
                for _ in 0..<4 {
                    clock.advance(by: 2)
                    await a.renewWanted()
                    await b.renewWanted()
                    #expect(await a.holding("checkpoint") == first)
                    #expect(await b.holding("checkpoint") == nil)
                }

                // a stops renewing (a partition, a pause): it stops counting on the lease at two
                // thirds of its duration, before b may take it at the whole.
                clock.advance(by: 4)
                #expect(await a.holding("checkpoint") == nil)
                await b.renewWanted()
                #expect(await b.holding("checkpoint") == nil, "not yet expired")
                clock.advance(by: 2)
                await b.renewWanted()
                let taken = try #require(await b.holding("checkpoint"))
                #expect(taken.fence == 2)

                // a write a made under its old lease cannot commit now.
                await #expect(throws: HearthError.self) {
                    try await store.write { db in try await first.confirm(in: db) }
                }
                try await store.write { db in try await taken.confirm(in: db) }
                // a, back, finds the lease held and waits.
                await a.renewWanted()
                #expect(await a.holding("checkpoint") == nil)
            }
        }
    }
}
