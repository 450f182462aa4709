import HearthMQTT
import NIOCore
import Testing

/// Packets with every field set to something other than its default, one or more per packet type.
enum Fixtures {
    static let binary: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x0A]

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    static let users = [UserProperty("a", "b"), UserProperty("a", "c"), UserProperty("ünï", "çødé 🔥"), UserProperty("", "")]

    static var connectProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 3600
        properties.receiveMaximum = 20
        properties.maximumPacketSize = 65536
        properties.topicAliasMaximum = 10
        properties.requestResponseInformation = 1
        properties.requestProblemInformation = 0
        properties.userProperties = users
        properties.authenticationMethod = "SCRAM-SHA-256"
        properties.authenticationData = binary
        return properties
    }

    static var willProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.willDelayInterval = 30
        properties.payloadFormatIndicator = 1
        properties.messageExpiryInterval = 60
        properties.contentType = "text/plain"
        properties.responseTopic = "reply/here"
        properties.correlationData = binary
        properties.userProperties = [UserProperty("will", "yes")]
        return properties
    }

    static var connAckProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 0
        properties.receiveMaximum = 100
        properties.maximumQoS = 1
        properties.retainAvailable = false
        properties.maximumPacketSize = 1_048_576
        properties.assignedClientIdentifier = "auto-1234"
        properties.topicAliasMaximum = 0
        properties.reasonString = "welcome"
        properties.userProperties = users
        properties.wildcardSubscriptionAvailable = true
        properties.subscriptionIdentifiersAvailable = false
        properties.sharedSubscriptionAvailable = true
        properties.serverKeepAlive = 120
        properties.responseInformation = "responses/"
        properties.serverReference = "other.example:8883"
        properties.authenticationMethod = "SCRAM-SHA-256"
        properties.authenticationData = [1, 2, 3]
        return properties
    }

    static var publishProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.payloadFormatIndicator = 0
        properties.messageExpiryInterval = 4_000_000_000
        properties.topicAlias = 3
        properties.responseTopic = "reply/to/me"
        properties.correlationData = binary
        properties.userProperties = users
        properties.subscriptionIdentifiers = [1, 268_435_455, 300, 1]
        properties.contentType = "application/octet-stream"
        return properties
    }

    static var replyProperties: MQTTProperties {
        var properties = MQTTProperties()
        properties.reasonString = "because"
        properties.userProperties = users
        return properties
    }

    static let will = Will(topic: "home/lwt", payload: buffer(binary), qos: .exactlyOnce, retain: true)

    /// Valid on a connection of `version`; 3.1.1 packets carry no properties and only 3.1.1 codes.
    static func packets(_ version: MQTTVersion) -> [MQTTPacket] {
        let v5 = version == .v5
        func props(_ properties: MQTTProperties) -> MQTTProperties { v5 ? properties : .none }
        var willWithProperties = will
        willWithProperties.properties = props(willProperties)
        var packets: [MQTTPacket] = [
            .connect(ConnectPacket(version: version, clientID: "a", cleanStart: true, keepAlive: 60)),
            .connect(ConnectPacket(
                version: version, clientID: "kitchen-sensor-7", cleanStart: false, keepAlive: 65535, username: "",
                password: binary, will: willWithProperties, properties: props(connectProperties))),
            .connect(ConnectPacket(
                version: version, clientID: "", cleanStart: true, keepAlive: 0, username: "ünïcödé",
                will: Will(topic: "t", payload: ByteBuffer(), qos: .atMostOnce, retain: false))),
            .connack(ConnAckPacket(sessionPresent: true, reasonCode: .success, properties: props(connAckProperties))),
            .connack(ConnAckPacket(sessionPresent: false, reasonCode: .notAuthorized)),
            .connack(ConnAckPacket(sessionPresent: false, reasonCode: .badUserNameOrPassword)),
            .publish(PublishPacket(topic: "home/kitchen/temperature", payload: buffer(Array("21.5".utf8)))),
            .publish(PublishPacket(
                topic: "a/b", payload: buffer(binary), qos: .atLeastOnce, retain: true, dup: true, packetID: 1,
                properties: props(publishProperties))),
            .publish(PublishPacket(topic: "$SYS/😀", payload: ByteBuffer(), qos: .exactlyOnce, packetID: 65535)),
            .ack(AckPacket(.puback, packetID: 1)),
            .ack(AckPacket(.pubrec, packetID: 2, reasonCode: v5 ? .noMatchingSubscribers : .success)),
            .ack(AckPacket(.pubrel, packetID: 3, reasonCode: v5 ? .packetIdentifierNotFound : .success,
                           properties: props(replyProperties))),
            .ack(AckPacket(.pubcomp, packetID: 65535, properties: props(replyProperties))),
            .subscribe(SubscribePacket(
                packetID: 10,
                subscriptions: [
                    Subscription(filter: "sport/tennis/#", qos: .exactlyOnce),
                    Subscription(
                        filter: "+/+", qos: .atLeastOnce, noLocal: v5, retainAsPublished: v5,
                        retainHandling: v5 ? .doNotSend : .sendOnSubscribe),
                    Subscription(filter: "/finance", qos: .atMostOnce,
                                 retainHandling: v5 ? .sendOnNewSubscribe : .sendOnSubscribe),
                ],
                properties: props({ var p = replyProperties; p.reasonString = nil; p.subscriptionIdentifiers = [42]; return p }()))),
            .suback(SubAckPacket(
                packetID: 10,
                reasonCodes: [.grantedQoS2, .grantedQoS1, .grantedQoS0, v5 ? .notAuthorized : .unspecifiedError],
                properties: props(replyProperties))),
            .unsubscribe(UnsubscribePacket(
                packetID: 11, filters: ["sport/tennis/#", "a"],
                properties: props({ var p = MQTTProperties(); p.userProperties = users; return p }()))),
            .unsuback(UnsubAckPacket(
                packetID: 11, reasonCodes: v5 ? [.success, .noSubscriptionExisted] : [],
                properties: props(replyProperties))),
            .pingreq,
            .pingresp,
            .disconnect(DisconnectPacket()),
        ]
        if v5 {
            var disconnectProperties = replyProperties
            disconnectProperties.sessionExpiryInterval = 10
            disconnectProperties.serverReference = "elsewhere"
            var authProperties = replyProperties
            authProperties.authenticationMethod = "SCRAM-SHA-256"
            authProperties.authenticationData = binary
            packets += [
                .subscribe(SubscribePacket(
                    packetID: 12, subscriptions: [Subscription(filter: "$share/group/a/+", qos: .atLeastOnce)])),
                .publish(PublishPacket(
                    topic: "", payload: buffer([1]), qos: .atLeastOnce, packetID: 7,
                    properties: { var p = MQTTProperties(); p.topicAlias = 9; return p }())),
                .disconnect(DisconnectPacket(reasonCode: .disconnectWithWill)),
                .disconnect(DisconnectPacket(reasonCode: .sessionTakenOver, properties: disconnectProperties)),
                .auth(AuthPacket()),
                .auth(AuthPacket(reasonCode: .continueAuthentication, properties: authProperties)),
                .auth(AuthPacket(reasonCode: .reAuthenticate)),
            ]
        }
        return packets
    }

    static func encode(_ packet: MQTTPacket, _ version: MQTTVersion) -> [UInt8] {
        var buffer = ByteBuffer()
        MQTTCodec.encode(packet, version: version, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// A CONNECT is decoded as the first packet of a connection; everything else on one of `version`.
    static func decodingVersion(of packet: MQTTPacket, _ version: MQTTVersion) -> MQTTVersion? {
        if case .connect = packet { return nil }
        return version
    }
}

/// Builds raw packets for the strictness tests: a first byte, then a body whose length is filled in.
enum Wire {
    static func packet(_ firstByte: UInt8, _ body: [UInt8]...) -> [UInt8] {
        let body = body.flatMap { $0 }
        var remaining = body.count
        var bytes = [firstByte]
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while remaining > 0
        return bytes + body
    }

    static func string(_ text: String) -> [UInt8] { prefixed(Array(text.utf8)) }

    static func prefixed(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }

    static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    /// A property section: the length, then the given property bytes.
    static func properties(_ bytes: [UInt8]...) -> [UInt8] {
        let all = bytes.flatMap { $0 }
        precondition(all.count < 128)
        return [UInt8(all.count)] + all
    }

    /// A CONNECT variable header of `level` with the given flags and keep-alive 60, no properties.
    static func connectHeader(level: UInt8 = 4, flags: UInt8) -> [UInt8] {
        string("MQTT") + [level, flags] + u16(60) + (level == 5 ? [0] : [])
    }
}

func decodeOne(
    _ bytes: [UInt8], version: MQTTVersion?, maximumPacketSize: Int = 1 << 20
) throws(MQTTProtocolError) -> MQTTPacket? {
    var buffer = ByteBuffer(bytes: bytes)
    return try MQTTCodec.decode(&buffer, version: version, maximumPacketSize: maximumPacketSize)
}

/// Asserts that decoding `bytes` throws with exactly `reason`.
func expectRefusal(
    _ reason: ReasonCode, _ bytes: [UInt8], version: MQTTVersion?, maximumPacketSize: Int = 1 << 20,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let packet = try decodeOne(bytes, version: version, maximumPacketSize: maximumPacketSize)
        Issue.record("expected \(reason), decoded \(String(describing: packet))", sourceLocation: sourceLocation)
    } catch {
        #expect(error.reason == reason, "\(error.detail)", sourceLocation: sourceLocation)
    }
}

/// Asserts that `bytes` decode to exactly one packet that uses all of them.
@discardableResult
func expectAccepted(
    _ bytes: [UInt8], version: MQTTVersion?, sourceLocation: SourceLocation = #_sourceLocation
) -> MQTTPacket? {
    var buffer = ByteBuffer(bytes: bytes)
    do {
        let packet = try MQTTCodec.decode(&buffer, version: version, maximumPacketSize: 1 << 20)
        #expect(packet != nil, sourceLocation: sourceLocation)
        #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
        return packet
    } catch {
        Issue.record("expected a packet, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
