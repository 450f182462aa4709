import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Synchronization

/// Retained messages the hub itself keeps in a household's namespace (Home Assistant's discovery
/// configurations), beside what clients retain.
extension Broker {
    /// The household's retained messages under `prefix`: topic → payload.
    public func retainedPayloads(in household: HouseholdID, under prefix: String) -> [String: [UInt8]] {
        state.withLock { state in
            var found: [String: [UInt8]] = [:]
            for (topic, message) in state.retained[household] ?? [:] where topic.hasPrefix(prefix) {
                found[topic] = Array(message.payload.readableBytesView)
            }
            return found
        }
    }

    /// The households holding retained messages under `prefix`.
    public func householdsRetaining(under prefix: String) -> Set<HouseholdID> {
        state.withLock { state in
            Set(state.retained.compactMap { household, messages in
                messages.keys.contains { $0.hasPrefix(prefix) } ? household : nil
            })
        }
    }

    /// Publishes a retained message (QoS 1) as the hub; an empty payload clears the topic's.
    /// Returns once it is stored.
    public func publishRetained(topic: String, payload: [UInt8], household: HouseholdID, publisher: String) async throws {
        try await publishAsHub(
            BrokerMessage(
                topic: topic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: true, properties: .none, expiresAt: nil,
                publisher: publisher, flow: nil),
            household: household)
    }
}
