/// When the broker sends retained messages for a new subscription (MQTT 5 §3.8.3.1).
public enum RetainHandling: UInt8, Sendable {
    case sendOnSubscribe = 0
    case sendOnNewSubscribe = 1
    case doNotSend = 2
}

/// One topic filter of a SUBSCRIBE with its options. The options other than `qos` are MQTT 5 only
/// and are neither sent nor received on a 3.1.1 wire.
public struct Subscription: Sendable, Hashable {
    public var filter: String
    public var qos: QoS
    public var noLocal: Bool
    public var retainAsPublished: Bool
    public var retainHandling: RetainHandling

    public init(
        filter: String, qos: QoS, noLocal: Bool = false, retainAsPublished: Bool = false,
        retainHandling: RetainHandling = .sendOnSubscribe
    ) {
        self.filter = filter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }
}

/// SUBSCRIBE (3.1.1 §3.8, 5 §3.8).
public struct SubscribePacket: Sendable, Hashable {
    public var packetID: UInt16
    public var subscriptions: [Subscription]
    public var properties: MQTTProperties

    public init(packetID: UInt16, subscriptions: [Subscription], properties: MQTTProperties = .none) {
        self.packetID = packetID
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

/// SUBACK (3.1.1 §3.9, 5 §3.9): one reason code per subscription, in order.
public struct SubAckPacket: Sendable, Hashable {
    public var packetID: UInt16
    /// On a 3.1.1 wire, every failure becomes 0x80, which decodes as `.unspecifiedError`.
    public var reasonCodes: [ReasonCode]
    public var properties: MQTTProperties

    public init(packetID: UInt16, reasonCodes: [ReasonCode], properties: MQTTProperties = .none) {
        self.packetID = packetID
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

/// UNSUBSCRIBE (3.1.1 §3.10, 5 §3.10).
public struct UnsubscribePacket: Sendable, Hashable {
    public var packetID: UInt16
    public var filters: [String]
    public var properties: MQTTProperties

    public init(packetID: UInt16, filters: [String], properties: MQTTProperties = .none) {
        self.packetID = packetID
        self.filters = filters
        self.properties = properties
    }
}

/// UNSUBACK (3.1.1 §3.11, 5 §3.11).
public struct UnsubAckPacket: Sendable, Hashable {
    public var packetID: UInt16
    /// One per filter in MQTT 5; a 3.1.1 UNSUBACK carries none, so decoding 3.1.1 gives `[]`.
    public var reasonCodes: [ReasonCode]
    public var properties: MQTTProperties

    public init(packetID: UInt16, reasonCodes: [ReasonCode] = [], properties: MQTTProperties = .none) {
        self.packetID = packetID
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}
