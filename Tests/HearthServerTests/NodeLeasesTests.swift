import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Logging
import Synchronization
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

    /// A claimed lease (a household's MQTT): taken only when free, renewed while held, and its
    /// loss — lapsed or taken over — is told at once; the node does not try to take it back.
    @Test(arguments: TestEngine.allCases)
    func aClaimedLeaseIsRenewedWhileHeldAndItsLossIsTold(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock(Date(unixMilliseconds: 1_700_000_000_000))
            try await database.withStore(clock: clock) { store in
                let logger = Logger(label: "test")
                let a = NodeLeases(store: store, node: "node-a", duration: 6, logger: logger)
                let b = NodeLeases(store: store, node: "node-b", duration: 6, logger: logger)
                let lost = Mutex<[String]>([])
                await a.onLoss { name in lost.withLock { $0.append(name) } }
                let held = try #require(await a.claim("mqtt:home"))
                #expect(await b.claim("mqtt:home") == nil, "held by a")
                #expect(await a.claim("mqtt:home") == held, "already a's: no new fence")
                #expect(await a.current("mqtt:home") == held)
                #expect(await b.current("mqtt:home") == nil)

                clock.advance(by: 2)
                await a.renewWanted()
                clock.advance(by: 3)
                #expect(await a.current("mqtt:home") == held, "renewed 3 s ago: counted on")
                #expect(lost.withLock { $0 }.isEmpty)

                // a stops renewing: at two thirds of the duration it stops counting on it, and says so.
                clock.advance(by: 1)
                #expect(await a.current("mqtt:home") == nil)
                #expect(lost.withLock { $0 } == ["mqtt:home"])
                #expect(await b.claim("mqtt:home") == nil, "not expired yet")
                clock.advance(by: 2)
                let taken = try #require(await b.claim("mqtt:home"))
                #expect(taken.fence == held.fence + 1)

                // a's renewal round no longer asks for it: a household does not come back by itself.
                await a.renewWanted()
                clock.advance(by: 7)
                await a.renewWanted()
                #expect(await a.current("mqtt:home") == nil)
                #expect(lost.withLock { $0 } == ["mqtt:home"], "told once")
            }
        }
    }
}
