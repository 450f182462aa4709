import Foundation
import HearthBroker
import HearthCore
import HearthStore
import Synchronization

/// Keeps each household's Home Assistant discovery configurations (``HomeAssistantDiscovery``)
/// retained in its broker namespace while an integration holding `discovery:read` is live:
/// publishes what changed, and clears (an empty retained message) what no longer applies — a
/// device decommissioned or transferred, a flow no longer consented, a scope no longer granted,
/// the last integration revoked. Run every couple of seconds; a round that changes nothing
/// publishes nothing.
package final class DiscoveryPublisher: Sendable {
    package let store: Store
    package let broker: Broker
    package let telemetry: TelemetryRules
    /// The households this process keeps configurations for; nil until the first round, which
    /// looks for those a previous run left retained (restored with the broker's storage).
    private let keeping = Mutex<Set<HouseholdID>?>(nil)

    package init(store: Store, broker: Broker, telemetry: TelemetryRules) {
        self.store = store
        self.broker = broker
        self.telemetry = telemetry
    }

    package func refresh() async throws {
        let now = store.clock.now
        let wanted = try await store.read { db -> [HouseholdID: (scopes: Set<String>, devices: [Device])] in
            var scopes: [HouseholdID: Set<String>] = [:]
            for grant in try await db.oauthGrants.live(holding: "discovery:read", at: now) {
                scopes[grant.householdID, default: []].formUnion(grant.scope.split(separator: " ").map(String.init))
            }
            var wanted: [HouseholdID: (scopes: Set<String>, devices: [Device])] = [:]
            for (household, held) in scopes { wanted[household] = (held, try await db.devices.all(in: household)) }
            return wanted
        }
        let prefix = HomeAssistantDiscovery.prefix
        let kept = keeping.withLock { $0 } ?? broker.householdsRetaining(under: prefix)
        // With several nodes, each keeps the configurations of the households it serves.
        for household in kept.union(wanted.keys) where broker.servesHere(household) {
            var desired: [String: [UInt8]] = [:]
            if let (scopes, devices) = wanted[household] {
                let views = devices.map { device in
                    let (model, flows) = telemetry.appFlows(of: device.id, household: household)
                    return HomeAssistantDiscovery.DeviceView(device: device, model: model, flows: flows)
                }
                desired = HomeAssistantDiscovery.messages(views, scopes: scopes)
            }
            var current = broker.retainedPayloads(in: household, under: prefix)
            // Home Assistant's own birth and will, should it retain them, are its to keep.
            current[MessagingPolicy.integrationStatusTopic] = nil
            for (topic, payload) in desired.sorted(by: { $0.key < $1.key }) where current[topic] != payload {
                try await broker.publishRetained(topic: topic, payload: payload, household: household, publisher: "hub:discovery")
            }
            for topic in current.keys.sorted() where desired[topic] == nil {
                try await broker.publishRetained(topic: topic, payload: [], household: household, publisher: "hub:discovery")
            }
        }
        // Only after a round that published everything: a failed round looks again next time.
        keeping.withLock { $0 = Set(wanted.keys) }
    }
}
