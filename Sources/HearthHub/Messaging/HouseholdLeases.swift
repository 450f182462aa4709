import HearthBroker
import HearthCore
import HearthStore

/// Households placed on hub nodes by lease (docs/scale-out.md): a household's MQTT is served by
/// the node holding `mqtt:<household>`, taken by the first node one of its clients reaches.
package struct HouseholdLeases: HouseholdPlacement {
    let leases: NodeLeases
    let store: Store

    package init(leases: NodeLeases, store: Store) {
        self.leases = leases
        self.store = store
    }

    package static func leaseName(_ household: HouseholdID) -> String { "mqtt:\(household)" }

    package static func household(inLease name: String) -> HouseholdID? {
        guard name.hasPrefix("mqtt:") else { return nil }
        return HouseholdID(String(name.dropFirst(5)))
    }

    package func place(_ household: HouseholdID) async -> HouseholdPlace {
        let name = Self.leaseName(household)
        if await leases.claim(name) != nil { return .here }
        do {
            guard let holder = try await store.read({ db in try await db.hubNodes.holder(of: name, at: db.clock.now) }) else {
                return .unknown("the household is changing hub nodes; try again")
            }
            return .elsewhere(node: holder.node, relayAddress: holder.relayAddress)
        } catch {
            return .unknown("the hub could not tell which node serves this household; try again")
        }
    }

    /// The lease under which this node writes the household's broker state, if it holds it.
    package func current(_ household: HouseholdID) async -> Lease? {
        await leases.current(Self.leaseName(household))
    }
}
