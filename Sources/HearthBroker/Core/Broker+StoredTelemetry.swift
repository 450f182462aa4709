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
        var sweep = ExpirySweep()
        func count(_ message: BrokerMessage) {
            sweep.removed += 1
            if let expiresAt = message.expiresAt, expiresAt < late { sweep.overdue += 1 }
        }
        state.withLock { state in
            var changes: [StorageChange] = []
            for (household, retained) in state.retained {
                for (topic, message) in retained where message.isExpired(at: now) {
                    count(message)
                    state.retained[household]?[topic] = nil
                    changes.append(.retained(household: household, topic: topic, nil))
                }
            }
            for (key, session) in state.sessions where state.attached[key] == nil && !session.queue.isEmpty {
                let expired = session.queue.filter { $0.message.isExpired(at: now) }
                guard !expired.isEmpty else { continue }
                for delivery in expired {
                    count(delivery.message)
                    if let sequence = delivery.storedAs { changes.append(.delivered(key: key, sequence: sequence)) }
                }
                state.sessions[key]?.queue.removeAll { $0.message.isExpired(at: now) }
            }
            outbox.enqueue(changes)
        }
        return sweep
    }

    /// Erases the telemetry of one device (nil: of every device) of a household that the broker
    /// holds: retained messages and copies queued for offline sessions. Returns how many went;
    /// their stored rows are deleted once the returned outbox position is durable.
    public func eraseTelemetry(household: HouseholdID, device: DeviceID?) async throws -> Int {
        let (erased, position) = state.withLock { state -> (Int, UInt64) in
            var changes: [StorageChange] = []
            for topic in (state.retained[household] ?? [:]).keys where TelemetryTopic.isTelemetry(topic, of: device) {
                state.retained[household]?[topic] = nil
                changes.append(.retained(household: household, topic: topic, nil))
            }
            for (key, session) in state.sessions where session.household == household && !session.queue.isEmpty {
                for delivery in session.queue where TelemetryTopic.isTelemetry(delivery.message.topic, of: device) {
                    if let sequence = delivery.storedAs { changes.append(.delivered(key: key, sequence: sequence)) }
                }
                state.sessions[key]?.queue.removeAll { TelemetryTopic.isTelemetry($0.message.topic, of: device) }
            }
            return (changes.count, outbox.enqueue(changes))
        }
        try await outbox.durable(through: position)
        return erased
    }

    /// Publishes a message the hub made on a device's behalf — the aggregate of a flow's window
    /// that closed without a later message — as if that device had sent it.
    public func publishAggregate(
        topic: String, payload: [UInt8], flow: FlowTag, retention: Duration, household: HouseholdID, publisher: String
    ) {
        let now = clock.now
        let message = BrokerMessage(
            topic: topic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: now.addingTimeInterval(retention.seconds), publisher: publisher, flow: flow)
        publish(message, household: household)
    }
}
