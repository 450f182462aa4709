import Foundation
import HearthBroker
import HearthCore
import HearthStore

/// The broker's durable state in the hub's store (``MQTTRecords``): the same SQLite file or
/// PostgreSQL database as everything else, so a backup holds it and a restart finds it.
package struct HubBrokerStorage: BrokerStorage {
    package let store: Store
    /// With several nodes, the lease under which this node writes a household's state (nil: it
    /// does not hold it): each change is written only while its household's lease is confirmed
    /// in the same transaction, so a node that lost a household cannot overwrite what the new
    /// holder loaded. Nil with one node: every change is written.
    package var lease: (@Sendable (HouseholdID) async -> Lease?)?

    package init(store: Store) {
        self.store = store
    }

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

    package func load(household: HouseholdID?) async throws -> StoredBrokerState {
        try await store.read { db in
            let decoder = JSONDecoder()
            var state = StoredBrokerState()
            let sessions = if let household { try await db.mqtt.sessions(household: household) } else { try await db.mqtt.sessions() }
            for row in sessions {
                state.sessions.append(try decoder.decode(StoredSession.self, from: Data(row.record.utf8)))
            }
            let queued = if let household { try await db.mqtt.queued(household: household) } else { try await db.mqtt.queued() }
            for row in queued {
                state.queued[row.key, default: []].append((row.sequence, try Self.message(row, decoder)))
            }
            if let household {
                for row in try await db.mqtt.retained(household: household) {
                    state.retained.append((household, try Self.message(row, decoder)))
                }
            } else {
                for (household, row) in try await db.mqtt.retained() {
                    guard let id = HouseholdID(household) else { continue }
                    state.retained.append((id, try Self.message(row, decoder)))
                }
            }
            return state
        }
    }

    package func apply(_ changes: [StorageChange]) async throws {
        let encoder = JSONEncoder()
        var held: [HouseholdID: Lease] = [:]
        if let lease {
            for household in Set(changes.map(\.household)) { held[household] = await lease(household) }
        }
        let (leases, fenced) = (held, lease != nil)
        let refused = try await store.write { db -> Set<HouseholdID> in
            var confirmed: [HouseholdID: Bool] = [:]
            for (household, lease) in leases {
                confirmed[household] = try await db.leases.confirm(lease.name, holder: lease.holder, fence: lease.fence, at: db.clock.now)
            }
            // A household whose lease moved: its changes are not written; the rest of the batch is
            // still this node's to write.
            let refused = fenced ? Set(changes.map(\.household).filter { confirmed[$0] != true }) : []
            for change in changes where !refused.contains(change.household) {
                switch change {
                case .session(let session):
                    try await db.mqtt.saveSession(
                        key: session.key, household: session.household,
                        record: String(decoding: try encoder.encode(session), as: UTF8.self))
                case .sessionEnded(_, let key):
                    try await db.mqtt.endSession(key: key)
                case .queued(_, let key, let sequence, let message):
                    try await db.mqtt.queue(
                        key: key, sequence: sequence, metadata: try Self.metadata(message, encoder), payload: message.payload)
                case .delivered(_, let key, let sequence):
                    try await db.mqtt.dequeue(key: key, sequence: sequence)
                case .retained(let household, let topic, let message?):
                    try await db.mqtt.retain(
                        household: household, topic: topic, metadata: try Self.metadata(message, encoder), payload: message.payload)
                case .retained(let household, let topic, nil):
                    try await db.mqtt.clearRetained(household: household, topic: topic)
                }
            }
            return refused
        }
        // What waited for them (a PUBACK, a CONNACK) is refused: the client sends again and
        // reaches the household's new node.
        guard refused.isEmpty else {
            throw HearthError(.conflict, code: "lease-lost", "this node no longer serves \(refused.count) household(s)' MQTT")
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
