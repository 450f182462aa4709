import Foundation
import HearthBroker
import HearthCore
import HearthStore

/// Keeps each household's Home Assistant discovery configurations (``HomeAssistantDiscovery``)
/// retained in its broker namespace while an integration holding `discovery:read` is live:
/// publishes what changed, and clears (an empty retained message) what no longer applies — a
/// device decommissioned or transferred, a flow no longer consented, a scope no longer granted,
/// the last integration revoked. Run every couple of seconds; a round that changes nothing
/// publishes nothing.
package struct DiscoveryPublisher: Sendable {
    package let store: Store
    package let broker: Broker
    package let telemetry: TelemetryRules

    package func refresh() async throws {
        let now = store.clock.now
        let wanted = try await store.read { db -> [HouseholdID: (scopes: Set<String>, devices: [Device])] in
            var wanted: [HouseholdID: (scopes: Set<String>, devices: [Device])] = [:]
            for household in try await db.households.all() where household.state == .active {
                let scopes = try await db.oauthGrants.all(in: household.id)
                    .filter { $0.expiresAt > now }
                    .map { Set($0.scope.split(separator: " ").map(String.init)) }
                    .filter { $0.contains("discovery:read") }
                    .reduce(into: Set<String>()) { $0.formUnion($1) }
                guard !scopes.isEmpty else { continue }
                wanted[household.id] = (scopes, try await db.devices.all(in: household.id))
            }
            return wanted
        }
        let prefix = HomeAssistantDiscovery.prefix
        for household in broker.householdsRetaining(under: prefix).union(wanted.keys) {
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
    }
}
