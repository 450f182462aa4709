import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// No security state is per process (docs/scale-out.md): the failure throttles, the device
/// authorization limit and the leases of two nodes on one PostgreSQL database are one. (PostgreSQL
/// only, like ``SharedDPoPTests``: several nodes are a PostgreSQL deployment.)
@Suite struct SharedThrottleTests {
    typealias People = OAuthPeopleTests

    @Test func guessingSpreadOverTwoNodesMeetsOneBackOff() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await withTestHub(engine: .postgres, configure: { $0.signInFreeFailures = 2 }) { first in
            try await withTestHubNode(joining: first) { second in
                // Device authorizations from one address: one bucket of 10 for both nodes. (First:
                // the failed client authentications below back the address off for every client.)
                let client = try await UserCodeGuessingTests.deviceClient(first)
                let request = [("client_id", client), ("scope", "devices:read")]
                for index in 0..<10 {
                    let node = index.isMultiple(of: 2) ? first : second
                    let started = try await People.form(node, "/oauth/device_authorization", request)
                    #expect(started.status == 200, "request \(index): \(started.status) \(started.text)")
                }
                for node in [first, second] {
                    #expect(try await People.form(node, "/oauth/device_authorization", request).status == 429)
                }

                // A client that does not exist, asked for on each node in turn: the third attempt
                // is refused on either node before it is checked.
                let bad = [("grant_type", "client_credentials"), ("client_id", "no-such-client")]
                #expect(try await People.form(first, "/oauth/token", bad).status == 401)
                #expect(try await People.form(second, "/oauth/token", bad).status == 401)
                #expect(try await People.form(first, "/oauth/token", bad).status == 429)
                #expect(try await People.form(second, "/oauth/token", bad).status == 429)

                // Wrong pairing codes for one household, typed on both nodes.
                let token = try await PKITools.token(first)
                try await PairingAPITests.openWindow(first, token: token)
                for node in [first, second] {
                    let wrong = try await PairingAPITests.approve(node, token: token, code: "BCDF-GHJK", verify: "12345-67890")
                    #expect(wrong.status != 429 && wrong.status >= 400, "\(wrong.status) \(wrong.text)")
                }
                for node in [second, first] {
                    let refused = try await PairingAPITests.approve(node, token: token, code: "BCDF-GHJK", verify: "12345-67890")
                    #expect(refused.status == 429, "\(refused.status) \(refused.text)")
                }
            }
        }
    }

    /// Every job only one node may run has one holder, and the checkpoints are signed by it.
    @Test func eachLeasedJobRunsOnOneNode() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await withTestHub(engine: .postgres) { first in
            try await withTestHubNode(joining: first) { second in
                let nodes = Set([first.configuration.nodeName, second.configuration.nodeName])
                #expect(nodes.count == 2)
                try await eventually("the audit checkpoint's lease is taken") {
                    try await first.store.read { db in try await db.leases.all() }.contains { $0.name == "audit checkpoint" }
                }
                let leases = try await first.store.read { db in try await db.leases.all() }
                #expect(leases.count >= 8, "\(leases.map(\.name))")
                for lease in leases { #expect(nodes.contains(lease.holder), "\(lease)") }
                // A change is checkpointed, by whichever node holds the lease.
                _ = try await PKITools.token(second)
                let size = try await second.store.read { db in try await db.audit.size() }
                try await eventually("a checkpoint covers the change") {
                    try await first.store.read { db in try await db.audit.latestCheckpoint() }.map { $0.size >= size } ?? false
                }
            }
        }
    }
}
