import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Synchronization

/// What the broker keeps of telemetry — retained messages and copies queued for offline
/// sessions — removed when its retention ends or an owner erases it.
extension Broker {
    /// What a sweep of expired messages did.
    public struct ExpirySweep: Sendable {
        /// Retained and queued messages removed.
        public var removed = 0
        /// Of those, how many had expired more than `grace` before the sweep: a sweep that fell
        /// behind (the privacy metrics report it; it should stay 0).
        public var overdue = 0
    }

    /// Removes retained messages and messages queued for offline sessions whose expiry passed —
    /// for telemetry, the flow's retention — from memory and storage.
    @discardableResult
    public func sweepExpiredMessages(grace: Duration = .seconds(30)) -> ExpirySweep {
        let now = clock.now
        let late = now.addingTimeInterval(-grace.seconds)
        let removed = state.withLock { state in
            removeHeld(in: &state, household: nil, offlineOnly: true) { $0.isExpired(at: now) }.removed
        }
        var sweep = ExpirySweep()
        sweep.removed = removed.count
        sweep.overdue = removed.count { message in message.expiresAt.map { $0 < late } ?? false }
        return sweep
    }

    /// Erases the telemetry of one device (nil: of every device) of a household that the broker
    /// holds: retained messages and copies queued for offline sessions. Returns how many went;
    /// their stored rows are deleted once the returned outbox position is durable.
    public func eraseTelemetry(household: HouseholdID, device: DeviceID?) async throws -> Int {
        let (erased, position) = state.withLock { state -> (Int, UInt64) in
            let held = removeHeld(in: &state, household: household, offlineOnly: false) { message in
                TelemetryTopic.isTelemetry(message.topic, of: device)
            }
            return (held.removed.count, held.durable)
        }
        try await outbox.durable(through: position)
        return erased
    }

    /// Removes the retained messages and queued copies that `remove` picks — of one household
    /// (nil: every one), from the queues of sessions without a connection only when
    /// `offlineOnly` — and enqueues the deletion of their stored rows. Returns what went, and the
    /// outbox position at which the deletion is durable.
    private func removeHeld(
        in state: inout State, household: HouseholdID?, offlineOnly: Bool, where remove: (BrokerMessage) -> Bool
    ) -> (removed: [BrokerMessage], durable: UInt64) {
        var removed: [BrokerMessage] = []
        var changes: [StorageChange] = []
        for (owner, retained) in state.retained where household == nil || owner == household {
            for (topic, message) in retained where remove(message) {
                removed.append(message)
                state.retained[owner]?[topic] = nil
                changes.append(.retained(household: owner, topic: topic, nil))
            }
        }
        for (key, session) in state.sessions where !session.queue.isEmpty
            && (household == nil || session.household == household) && !(offlineOnly && state.attached[key] != nil) {
            let going = session.queue.filter { remove($0.message) }
            guard !going.isEmpty else { continue }
            for delivery in going {
                removed.append(delivery.message)
                if let sequence = delivery.storedAs { changes.append(.delivered(household: session.household, key: key, sequence: sequence)) }
            }
            state.sessions[key]?.queue.removeAll { remove($0.message) }
        }
        return (removed, outbox.enqueue(changes))
    }

    /// Publishes a message the hub made on a device's behalf — the aggregate of a flow's window
    /// that closed without a later message — as if that device had sent it, expiring after
    /// `retention` seconds.
    public func publishAggregate(
        topic: String, payload: [UInt8], flow: FlowTag, retention: TimeInterval, household: HouseholdID, publisher: String
    ) {
        let now = clock.now
        let message = BrokerMessage(
            topic: topic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: now.addingTimeInterval(retention), publisher: publisher, flow: flow)
        sendAsHub(message, household: household)
    }
}
