import NIOCore

/// PUBLISH (3.1.1 §3.3, 5 §3.3).
public struct PublishPacket: Sendable, Hashable {
    /// Empty only in MQTT 5, and then only with a topic alias that names the topic.
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// Only meaningful above QoS 0; the encoder never sets it on a QoS 0 packet, which the spec forbids.
    public var dup: Bool
    /// Present, and non-zero, exactly when `qos` is above QoS 0.
    public var packetID: UInt16?
    public var properties: MQTTProperties

    public init(
        topic: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false, dup: Bool = false,
        packetID: UInt16? = nil, properties: MQTTProperties = .none
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
        self.properties = properties
    }
}

/// What a broker sets on each copy of a message it sends, in place of the message's own values:
/// the interval its expiry leaves (MQTT 5 §3.3.2.3.3) and the identifiers of the subscriptions it
/// matched (§3.3.4). ``MQTTCodec/encode(_:copy:version:into:)`` writes them as it encodes, so a
/// copy needs no property set of its own. Nil keeps the message's value.
public struct PublishCopyProperties: Sendable, Hashable {
    public var messageExpiryInterval: UInt32?
    public var subscriptionIdentifiers: [UInt32]?

    public init(messageExpiryInterval: UInt32? = nil, subscriptionIdentifiers: [UInt32]? = nil) {
        self.messageExpiryInterval = messageExpiryInterval
        self.subscriptionIdentifiers = subscriptionIdentifiers
    }

    /// The properties the copy goes out with (what the encoder writes, as one property set).
    public func applied(to properties: MQTTProperties) -> MQTTProperties {
        var properties = properties
        if let subscriptionIdentifiers { properties.subscriptionIdentifiers = subscriptionIdentifiers }
        if let messageExpiryInterval { properties.messageExpiryInterval = messageExpiryInterval }
        return properties
    }
}

/// The four packets that acknowledge a PUBLISH or a PUBREL, numbered as their packet types.
public enum AckKind: UInt8, Sendable {
    case puback = 4
    case pubrec = 5
    case pubrel = 6
    case pubcomp = 7
}

/// PUBACK, PUBREC, PUBREL or PUBCOMP (5 §3.4–§3.7): one shape, told apart by `kind`.
public struct AckPacket: Sendable, Hashable {
    public var kind: AckKind
    public var packetID: UInt16
    /// Not on a 3.1.1 wire; decoding 3.1.1 gives `.success`.
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties

    public init(
        _ kind: AckKind, packetID: UInt16, reasonCode: ReasonCode = .success, properties: MQTTProperties = .none
    ) {
        self.kind = kind
        self.packetID = packetID
        self.reasonCode = reasonCode
        self.properties = properties
    }
}
