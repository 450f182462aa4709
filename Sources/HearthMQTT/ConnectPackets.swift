import NIOCore

/// The message a broker publishes on the client's behalf when the connection ends without a DISCONNECT.
public struct Will: Sendable, Hashable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// Will properties (MQTT 5 §3.1.3.2), a different set from the CONNECT's own.
    public var properties: MQTTProperties

    public init(topic: String, payload: ByteBuffer, qos: QoS, retain: Bool, properties: MQTTProperties = .none) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

/// CONNECT (3.1.1 §3.1, 5 §3.1).
public struct ConnectPacket: Sendable, Hashable {
    /// The protocol level this CONNECT carries; the codec encodes a CONNECT by it, whatever version it is given.
    public var version: MQTTVersion
    public var clientID: String
    /// "Clean Session" in 3.1.1.
    public var cleanStart: Bool
    public var keepAlive: UInt16
    public var username: String?
    public var password: [UInt8]?
    public var will: Will?
    public var properties: MQTTProperties

    public init(
        version: MQTTVersion, clientID: String, cleanStart: Bool, keepAlive: UInt16, username: String? = nil,
        password: [UInt8]? = nil, will: Will? = nil, properties: MQTTProperties = .none
    ) {
        self.version = version
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }
}

/// CONNACK (3.1.1 §3.2, 5 §3.2).
public struct ConnAckPacket: Sendable, Hashable {
    public var sessionPresent: Bool
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties

    public init(sessionPresent: Bool, reasonCode: ReasonCode, properties: MQTTProperties = .none) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }
}
