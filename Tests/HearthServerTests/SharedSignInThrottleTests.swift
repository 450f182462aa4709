import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// Password sign-in's back-off is in the database: two nodes on one PostgreSQL database (or two
/// processes on one SQLite file) refuse and clear the same accounts.
@Suite struct SharedSignInThrottleTests {
    static func throttledAccounts(_ hub: TestHub, token: String) async throws -> [[String: Any]] {
        let response = try await hub.client.request("GET", "/v1/people/throttled", headers: ["Authorization": "Bearer \(token)"])
        try #require(response.status == 200, "\(response.text)")
        return try #require(try response.json()["accounts"] as? [[String: Any]])
    }

    @Test(arguments: TestEngine.allCases)
    func failuresOnOneNodeAreRefusedOnTheOtherAndASuccessClearsBoth(engine: TestEngine) async throws {
        try await withTestHub(engine: engine, configure: { $0.signInFreeFailures = 2 }) { first in
            try await withTestHubNode(joining: first) { second in
                #expect(first.port != second.port)
                let signedIn = try await SignInTests.signIn(first, from: "127.0.0.1", password: first.ownerPassword)
                let owner = try #require(signedIn.body["token"] as? String, "\(signedIn.status) \(signedIn.body)")

                // One wrong password on each node, each from its own address: the account's
                // count adds up across the nodes …
                #expect(try await SignInTests.signIn(first, from: "127.0.0.10", password: "guess 1").status == 401)
                #expect(try await SignInTests.signIn(second, from: "127.0.0.11", password: "guess 2").status == 401)

                // … so either node refuses even the right password, says when to come back, and
                // writes nothing for the refused attempt.
                // (The audit log's tables are compared by size: a checkpoint may be signed meanwhile.)
                let before = try await DatabaseSnapshot.take(first.store)
                let entries = try await first.store.read { db in try await db.audit.size() }
                let refused = try await SignInTests.signIn(second)
                #expect(refused.status == 429)
                #expect(refused.headers["retry-after"] == "1")
                #expect(try await SignInTests.signIn(first, from: "127.0.0.12", password: first.ownerPassword).status == 429)
                let after = try await DatabaseSnapshot.take(second.store)
                #expect(after.withoutRefusalRecords == before.withoutRefusalRecords)
                #expect(after.tables["sign_in_failures"] == before.tables["sign_in_failures"])
                #expect(try await second.store.read { db in try await db.audit.size() } == entries)

                // Each node lists the account, with the failures made on both.
                for node in [first, second] {
                    let accounts = try await Self.throttledAccounts(node, token: owner)
                    #expect(accounts.count == 1 && accounts.first?["email"] as? String == first.ownerEmail, "\(accounts)")
                    #expect(accounts.first?["failures"] as? Int == 2, "\(accounts)")
                }

                // A success on the second node clears the account for the first: one more wrong
                // password there is a first failure again, not a third.
                first.clock.advance(by: 1.5)
                #expect(try await SignInTests.signIn(second, from: "127.0.0.13", password: first.ownerPassword).status == 201)
                #expect(try await Self.throttledAccounts(first, token: owner).isEmpty)
                #expect(try await SignInTests.signIn(first, from: "127.0.0.14", password: "guess 3").status == 401)
                #expect(try await SignInTests.signIn(first, from: "127.0.0.15", password: first.ownerPassword).status == 201)
            }
        }
    }

    /// The failure is counted in the transaction of its audit entry: one write per failed sign-in.
    @Test func aFailureIsCountedWithItsAuditEntry() async throws {
        try await withTestHub { hub in
            let entries = try await hub.store.read { db in try await db.audit.size() }
            #expect(try await SignInTests.signIn(hub, password: "wrong").status == 401)
            let (added, counts) = try await hub.store.read { db in
                (try await db.audit.size() - entries,
                 try await db.signInFailures.counts([PasswordSignIn.accountKey(try EmailAddress(hub.ownerEmail)), "source:127.0.0.1"]))
            }
            #expect(added == 1)
            #expect(counts.values.map(\.failures) == [1, 1])
            #expect(counts.values.allSatisfy { $0.lastFailure == hub.clock.now })
        }
    }

    /// The hub's periodic sweep forgets a count an hour after its longest possible back-off.
    @Test(arguments: TestEngine.allCases)
    func theSweepForgetsOnlyCountsWhoseBackOffEndedLongAgo(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock()
            try await database.withStore(clock: clock) { store in
                let throttle = FailureThrottle(store: store, freeFailures: 2)
                try await store.write { db in try await throttle.recordFailure(["account:old"], in: db) }
                clock.advance(by: 600)
                try await store.write { db in try await throttle.recordFailure(["account:new"], in: db) }
                clock.advance(by: 15 * 60 + 3600 - 600)
                #expect(try await throttle.sweep() == 0, "the oldest count is exactly at the cut-off")
                clock.advance(by: 1)
                #expect(try await throttle.sweep() == 1)
                #expect(try await throttle.counts(["account:old", "account:new"]).keys.sorted() == ["account:new"])
            }
        }
    }
}
