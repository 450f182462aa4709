/// DISCONNECT (3.1.1 §3.14, 5 §3.14). A 3.1.1 DISCONNECT carries neither reason code nor properties.
public struct DisconnectPacket: Sendable, Hashable {
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: ReasonCode = .success, properties: MQTTProperties = .none) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

/// AUTH (5 §3.15), which MQTT 3.1.1 does not have.
public struct AuthPacket: Sendable, Hashable {
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: ReasonCode = .success, properties: MQTTProperties = .none) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

/// Any MQTT control packet, in either direction.
public enum MQTTPacket: Sendable, Hashable {
    /// Boxed: a CONNECT is large and comes once a connection, and every packet value is as
    /// large as its largest case, so it would make every PUBLISH and acknowledgement copy its size.
    indirect case connect(ConnectPacket)
    case connack(ConnAckPacket)
    case publish(PublishPacket)
    case ack(AckPacket)
    case subscribe(SubscribePacket)
    case suback(SubAckPacket)
    case unsubscribe(UnsubscribePacket)
    case unsuback(UnsubAckPacket)
    case pingreq
    case pingresp
    case disconnect(DisconnectPacket)
    case auth(AuthPacket)
}
