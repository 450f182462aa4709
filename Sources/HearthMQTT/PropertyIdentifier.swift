/// Property identifiers and their wire types (MQTT 5 §2.2.2.2).
enum PropertyIdentifier: UInt8, CaseIterable {
    case payloadFormatIndicator = 0x01
    case messageExpiryInterval = 0x02
    case contentType = 0x03
    case responseTopic = 0x08
    case correlationData = 0x09
    case subscriptionIdentifier = 0x0B
    case sessionExpiryInterval = 0x11
    case assignedClientIdentifier = 0x12
    case serverKeepAlive = 0x13
    case authenticationMethod = 0x15
    case authenticationData = 0x16
    case requestProblemInformation = 0x17
    case willDelayInterval = 0x18
    case requestResponseInformation = 0x19
    case responseInformation = 0x1A
    case serverReference = 0x1C
    case reasonString = 0x1F
    case receiveMaximum = 0x21
    case topicAliasMaximum = 0x22
    case topicAlias = 0x23
    case maximumQoS = 0x24
    case retainAvailable = 0x25
    case userProperty = 0x26
    case maximumPacketSize = 0x27
    case wildcardSubscriptionAvailable = 0x28
    case subscriptionIdentifiersAvailable = 0x29
    case sharedSubscriptionAvailable = 0x2A

    /// Every identifier is below 64, so a set of them fits one word.
    var bit: UInt64 { 1 << UInt64(rawValue) }

    var isRepeatable: Bool { self == .userProperty || self == .subscriptionIdentifier }
}

/// The properties one packet type may carry, with the packet's name for error details.
struct PropertySet {
    let name: String
    private let bits: UInt64

    init(_ name: String, _ identifiers: PropertyIdentifier...) {
        self.name = name
        bits = identifiers.reduce(0) { $0 | $1.bit }
    }

    func contains(_ identifier: PropertyIdentifier) -> Bool { bits & identifier.bit != 0 }

    static let connect = PropertySet(
        "CONNECT", .sessionExpiryInterval, .receiveMaximum, .maximumPacketSize, .topicAliasMaximum,
        .requestResponseInformation, .requestProblemInformation, .userProperty, .authenticationMethod,
        .authenticationData)
    static let will = PropertySet(
        "will", .willDelayInterval, .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic,
        .correlationData, .userProperty)
    static let connAck = PropertySet(
        "CONNACK", .sessionExpiryInterval, .receiveMaximum, .maximumQoS, .retainAvailable, .maximumPacketSize,
        .assignedClientIdentifier, .topicAliasMaximum, .reasonString, .userProperty, .wildcardSubscriptionAvailable,
        .subscriptionIdentifiersAvailable, .sharedSubscriptionAvailable, .serverKeepAlive, .responseInformation,
        .serverReference, .authenticationMethod, .authenticationData)
    static let publish = PropertySet(
        "PUBLISH", .payloadFormatIndicator, .messageExpiryInterval, .topicAlias, .responseTopic, .correlationData,
        .userProperty, .subscriptionIdentifier, .contentType)
    static let ack = PropertySet("acknowledgement", .reasonString, .userProperty)
    static let subscribe = PropertySet("SUBSCRIBE", .subscriptionIdentifier, .userProperty)
    static let unsubscribe = PropertySet("UNSUBSCRIBE", .userProperty)
    static let disconnect = PropertySet(
        "DISCONNECT", .sessionExpiryInterval, .reasonString, .userProperty, .serverReference)
    static let auth = PropertySet(
        "AUTH", .authenticationMethod, .authenticationData, .reasonString, .userProperty)
}
