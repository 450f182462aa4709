import HearthCore
import HearthMQTT
import Logging
import Synchronization

/// Households served one node at a time (``HouseholdPlacement``): a household's stored state is
/// loaded when this node takes its lease, and dropped — its clients closed — when it loses it.
extension Broker {
    /// A household this node serves: loaded once (the first of its clients waits for the load),
    /// by the claim the number tells apart from a later one.
    struct ServedHousehold: Sendable {
        let claim: UInt64
        let loading: Task<Void, any Error>
    }

    /// Whether this node serves `household` now (always, with one node).
    public func servesHere(_ household: HouseholdID) -> Bool {
        placement == nil || served.withLock { $0[household] != nil }
    }

    /// Where `household`'s clients are served. Here: its state is loaded before this returns.
    func serve(_ household: HouseholdID) async -> HouseholdPlace {
        guard let placement else { return .here }
        let place = await placement.place(household)
        guard place == .here else { return place }
        let loading = served.withLock { served -> Task<Void, any Error> in
            if let existing = served[household] { return existing.loading }
            let claim = UInt64.random(in: 1...UInt64.max)
            let task = Task { try await self.load(household, claim: claim) }
            served[household] = ServedHousehold(claim: claim, loading: task)
            return task
        }
        do {
            try await loading.value
            // Given up while it loaded (the lease lost meanwhile): the client tries again.
            guard served.withLock({ $0[household]?.loading == loading }) else { return .unknown("the household moved; try again") }
            return .here
        } catch {
            served.withLock { served in if served[household]?.loading == loading { served[household] = nil } }
            return .unknown("the broker could not load the household's sessions; try again")
        }
    }

    private func load(_ household: HouseholdID, claim: UInt64) async throws {
        guard let storage else { return }
        let stored = try await storage.load(household: household)
        state.withLock { state in
            // Given up while it loaded: what was read is stale by now.
            guard served.withLock({ $0[household]?.claim == claim }) else { return }
            merge(stored, into: &state)
        }
        logger.info(
            "took over a household's MQTT",
            metadata: ["household": "\(household)", "sessions": "\(stored.sessions.count)", "retained": "\(stored.retained.count)"])
    }

    /// Stops serving `household` (its lease lost or given up): its clients are closed — they
    /// reconnect and reach the node that serves it now — and its state is forgotten without a
    /// write, since what the node stored under the lease is the new holder's to load.
    public func release(_ household: HouseholdID) {
        guard served.withLock({ $0.removeValue(forKey: household) }) != nil else { return }
        let closing = state.withLock { state -> [ConnectionHandle] in
            let keys = state.sessions.filter { $0.value.household == household }.map(\.key)
            let connections = keys.compactMap { state.attached[$0] }
            for key in keys {
                state.sessions[key] = nil
                state.attached[key] = nil
            }
            state.subscriptions[household] = nil
            state.retained[household] = nil
            return connections
        }
        for connection in closing { connection.terminate(.serverMoved, "another hub node serves this household now") }
        logger.notice("gave up a household's MQTT", metadata: ["household": "\(household)", "closed": "\(closing.count)"])
    }
}
