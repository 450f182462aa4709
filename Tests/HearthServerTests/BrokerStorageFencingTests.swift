import Foundation
import HearthBroker
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Logging
import Testing

/// A node writes a household's broker state only under the household's lease, checked in the
/// write's own transaction (docs/scale-out.md): once another node took the household, what the
/// old node still had to write is refused — and the waiting client told so — not stored.
@Suite struct BrokerStorageFencingTests {
    @Test(arguments: TestEngine.allCases)
    func aNodeThatLostAHouseholdWritesNothingForIt(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let household = hub.householdID
            let name = HouseholdLeases.leaseName(household)
            let mine = NodeLeases(store: hub.store, node: "node-a", duration: 6, logger: Logger(label: "test"))
            let held = try #require(await mine.claim(name))
            var storage = HubBrokerStorage(store: hub.store)
            storage.lease = { _ in held }
            func retained(_ topic: String) -> StorageChange {
                .retained(household: household, topic: topic, StoredMessage(
                    topic: topic, payload: Array("on".utf8), qos: 1, retain: true, properties: .init(), expiresAt: nil,
                    publisher: "device:lamp", deliveryQoS: 1, subscriptionIdentifiers: []))
            }
            try await storage.apply([retained("devices/lamp/state")])
            #expect(try await storage.load(household: household).retained.map(\.message.topic) == ["devices/lamp/state"])

            // The lease expires and another node takes the household.
            hub.clock.advance(by: 7)
            let other = NodeLeases(store: hub.store, node: "node-b", duration: 6, logger: Logger(label: "test"))
            #expect(await other.claim(name) != nil)
            await #expect(throws: HearthError.self) { try await storage.apply([retained("devices/lamp/late")]) }
            #expect(try await storage.load(household: household).retained.map(\.message.topic) == ["devices/lamp/state"])
        }
    }
}
