import Foundation
import HearthBroker
import HearthCore
import HearthStore

/// The broker's durable state in the hub's store (``MQTTRecords``): the same SQLite file or
/// PostgreSQL database as everything else, so a backup holds it and a restart finds it.
package struct HubBrokerStorage: BrokerStorage {
    package let store: Store

    /// What is stored beside a message's payload.
    private struct Metadata: Codable {
        package let topic: String
        package let qos: UInt8
        package let retain: Bool
        package let properties: StoredProperties
        package let expiresAt: Date?
        package let publisher: String
        package let deliveryQoS: UInt8
        package let subscriptionIdentifiers: [UInt32]
        package let flow: String?
    }

    package func load() async throws -> StoredBrokerState {
        try await store.read { db in
            let decoder = JSONDecoder()
            var state = StoredBrokerState()
            for row in try await db.mqtt.sessions() {
                state.sessions.append(try decoder.decode(StoredSession.self, from: Data(row.record.utf8)))
            }
            for row in try await db.mqtt.queued() {
                state.queued[row.key, default: []].append((row.sequence, try Self.message(row, decoder)))
            }
            for (household, row) in try await db.mqtt.retained() {
                guard let id = HouseholdID(household) else { continue }
                state.retained.append((id, try Self.message(row, decoder)))
            }
            return state
        }
    }

    package func apply(_ changes: [StorageChange]) async throws {
        let encoder = JSONEncoder()
        try await store.write { db in
            for change in changes {
                switch change {
                case .session(let session):
                    try await db.mqtt.saveSession(
                        key: session.key, household: session.household,
                        record: String(decoding: try encoder.encode(session), as: UTF8.self))
                case .sessionEnded(let key):
                    try await db.mqtt.endSession(key: key)
                case .queued(let key, let sequence, let message):
                    try await db.mqtt.queue(
                        key: key, sequence: sequence, metadata: try Self.metadata(message, encoder), payload: message.payload)
                case .delivered(let key, let sequence):
                    try await db.mqtt.dequeue(key: key, sequence: sequence)
                case .retained(let household, let topic, let message?):
                    try await db.mqtt.retain(
                        household: household, topic: topic, metadata: try Self.metadata(message, encoder), payload: message.payload)
                case .retained(let household, let topic, nil):
                    try await db.mqtt.clearRetained(household: household, topic: topic)
                }
            }
        }
    }

    private static func metadata(_ message: StoredMessage, _ encoder: JSONEncoder) throws -> String {
        let metadata = Metadata(
            topic: message.topic, qos: message.qos, retain: message.retain, properties: message.properties,
            expiresAt: message.expiresAt, publisher: message.publisher, deliveryQoS: message.deliveryQoS,
            subscriptionIdentifiers: message.subscriptionIdentifiers, flow: message.flow)
        return String(decoding: try encoder.encode(metadata), as: UTF8.self)
    }

    private static func message(_ row: MQTTRecords.StoredRow, _ decoder: JSONDecoder) throws -> StoredMessage {
        let metadata = try decoder.decode(Metadata.self, from: Data(row.metadata.utf8))
        return StoredMessage(
            topic: metadata.topic, payload: row.payload, qos: metadata.qos, retain: metadata.retain,
            properties: metadata.properties, expiresAt: metadata.expiresAt, publisher: metadata.publisher,
            deliveryQoS: metadata.deliveryQoS, subscriptionIdentifiers: metadata.subscriptionIdentifiers, flow: metadata.flow)
    }
}
