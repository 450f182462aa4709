import Foundation
import HearthCore
import HearthMQTT
import NIOCore

/// Where the broker keeps what must survive a restart: persistent sessions (subscriptions,
/// expiry, unreleased QoS 2 ids), the QoS 1/2 messages queued for them while they are offline,
/// and retained messages. Changes are applied in the order the broker made them.
public protocol BrokerStorage: Sendable {
    /// What is stored for `household`, or for every household when nil.
    func load(household: HouseholdID?) async throws -> StoredBrokerState
    /// Applies the changes in order, in one transaction.
    func apply(_ changes: [StorageChange]) async throws
}

public struct StoredBrokerState: Sendable {
    public var sessions: [StoredSession]
    /// Per session key, oldest first.
    public var queued: [String: [(sequence: Int64, message: StoredMessage)]]
    public var retained: [(household: HouseholdID, message: StoredMessage)]

    public init(
        sessions: [StoredSession] = [], queued: [String: [(sequence: Int64, message: StoredMessage)]] = [:],
        retained: [(household: HouseholdID, message: StoredMessage)] = []
    ) {
        self.sessions = sessions
        self.queued = queued
        self.retained = retained
    }
}

public enum StorageChange: Sendable {
    /// Creates or replaces a persistent session's record.
    case session(StoredSession)
    /// Deletes a session and everything queued for it.
    case sessionEnded(household: HouseholdID, key: String)
    /// A message queued for a session.
    case queued(household: HouseholdID, key: String, sequence: Int64, StoredMessage)
    /// A queued message was acknowledged by the client (or expired): it is not sent again.
    case delivered(household: HouseholdID, key: String, sequence: Int64)
    /// Sets (or, with nil, clears) a household's retained message on a topic.
    case retained(household: HouseholdID, topic: String, StoredMessage?)

    /// The household whose state it changes: a node writes only for the households it serves.
    public var household: HouseholdID {
        switch self {
        case .session(let session): session.household
        case .sessionEnded(let household, _), .queued(let household, _, _, _), .delivered(let household, _, _),
             .retained(let household, _, _):
            household
        }
    }
}

public struct StoredSession: Sendable, Codable, Hashable {
    public let key: String
    public let household: HouseholdID
    public let expiryInterval: UInt32
    /// When its last connection closed; nil while connected.
    public let disconnectedAt: Date?
    public let subscriptions: [StoredSubscription]
    public let awaitingRelease: [UInt16]
    /// Whether an app holds it: telemetry is queued for it while it is offline, also after a
    /// restart, before its client connects again. Nil in records written before it was kept.
    public let app: Bool?
}

public struct StoredSubscription: Sendable, Codable, Hashable {
    public let filter: String
    public let qos: UInt8
    public let noLocal: Bool
    public let retainAsPublished: Bool
    public let retainHandling: UInt8
    public let identifier: UInt32?
}

/// A message as stored, with its expiry by the hub's clock.
public struct StoredMessage: Sendable, Hashable, Codable {
    public let topic: String
    public let payload: [UInt8]
    public let qos: UInt8
    public let retain: Bool
    public let properties: StoredProperties
    public let expiresAt: Date?
    public let publisher: String
    /// The delivery's QoS and subscription identifiers, for a queued copy.
    public let deliveryQoS: UInt8
    public let subscriptionIdentifiers: [UInt32]
    /// The declared telemetry flow (``FlowTag/key``), so a restored copy is still held back
    /// from a recipient whose consent is withdrawn.
    public let flow: String?

    public init(
        topic: String, payload: [UInt8], qos: UInt8, retain: Bool, properties: StoredProperties, expiresAt: Date?,
        publisher: String, deliveryQoS: UInt8, subscriptionIdentifiers: [UInt32], flow: String? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
        self.expiresAt = expiresAt
        self.publisher = publisher
        self.deliveryQoS = deliveryQoS
        self.subscriptionIdentifiers = subscriptionIdentifiers
        self.flow = flow
    }
}

/// The MQTT 5 properties a message carries from publisher to subscriber.
public struct StoredProperties: Sendable, Codable, Hashable {
    public var payloadFormatIndicator: UInt8?
    public var contentType: String?
    public var responseTopic: String?
    public var correlationData: [UInt8]?
    public var userProperties: [[String]]

    /// None: what the hub's own messages carry.
    public init() {
        userProperties = []
    }

    init(_ properties: MQTTProperties) {
        payloadFormatIndicator = properties.payloadFormatIndicator
        contentType = properties.contentType
        responseTopic = properties.responseTopic
        correlationData = properties.correlationData
        userProperties = properties.userProperties.map { [$0.name, $0.value] }
    }

    var mqtt: MQTTProperties {
        var properties = MQTTProperties()
        properties.payloadFormatIndicator = payloadFormatIndicator
        properties.contentType = contentType
        properties.responseTopic = responseTopic
        properties.correlationData = correlationData
        properties.userProperties = userProperties.compactMap { $0.count == 2 ? UserProperty($0[0], $0[1]) : nil }
        return properties
    }
}

extension StoredSubscription {
    init(_ grant: SubscriptionGrant) {
        filter = grant.filter.text
        qos = grant.options.qos.rawValue
        noLocal = grant.options.noLocal
        retainAsPublished = grant.options.retainAsPublished
        retainHandling = grant.options.retainHandling.rawValue
        identifier = grant.identifier
    }

    var grant: SubscriptionGrant? {
        guard let topicFilter = try? TopicFilter(filter), let qos = QoS(rawValue: qos),
              let handling = RetainHandling(rawValue: retainHandling)
        else { return nil }
        return SubscriptionGrant(
            filter: topicFilter,
            options: Subscription(filter: filter, qos: qos, noLocal: noLocal, retainAsPublished: retainAsPublished, retainHandling: handling),
            identifier: identifier)
    }
}

extension StoredMessage {
    init(_ delivery: Delivery) {
        let message = delivery.message
        self.init(
            topic: message.topic, payload: Array(message.payload.readableBytesView), qos: message.qos.rawValue,
            retain: message.retain, properties: StoredProperties(message.properties),
            expiresAt: message.expiresAt,
            publisher: message.publisher, deliveryQoS: delivery.qos.rawValue,
            subscriptionIdentifiers: delivery.subscriptionIdentifiers, flow: message.flow?.key)
    }

    func delivery(storedAs sequence: Int64?) -> Delivery {
        let message = BrokerMessage(
            topic: topic, payload: ByteBuffer(bytes: payload), qos: QoS(rawValue: qos) ?? .atLeastOnce, retain: retain,
            properties: properties.mqtt,
            expiresAt: expiresAt, publisher: publisher, flow: flow.map { FlowTag($0) })
        var delivery = Delivery(
            message: message, qos: QoS(rawValue: deliveryQoS) ?? .atLeastOnce, retain: retain,
            subscriptionIdentifiers: subscriptionIdentifiers)
        delivery.storedAs = sequence
        return delivery
    }
}
