import HearthMQTT
import NIOCore
import Testing

@Suite struct RoundTripTests {
    @Test(arguments: [MQTTVersion.v311, .v5])
    func everyPacketTypeDecodesToWhatWasEncoded(_ version: MQTTVersion) throws {
        let packets = Fixtures.packets(version)
        for packet in packets {
            let bytes = Fixtures.encode(packet, version)
            let decoded = expectAccepted(bytes, version: Fixtures.decodingVersion(of: packet, version))
            #expect(decoded == packet)
        }
        let kinds = Set(packets.map(\.kindName))
        let expected = version == .v5 ? 15 : 14
        #expect(kinds.count == expected, "\(kinds.sorted())")
    }

    @Test func aClientDecodesItsOwnConnectOnAKnownVersionToo() {
        for version in [MQTTVersion.v311, .v5] {
            let connect = Fixtures.packets(version)[1]
            #expect(expectAccepted(Fixtures.encode(connect, version), version: version) == connect)
            // A CONNECT carries its own level whatever version the encoder is told.
            let other: MQTTVersion = version == .v5 ? .v311 : .v5
            #expect(expectAccepted(Fixtures.encode(connect, other), version: nil) == connect)
        }
    }

    @Test func encodingForMQTT311DropsWhatMQTT311CannotCarry() {
        for packet in Fixtures.packets(.v5) {
            let bytes = Fixtures.encode(packet, .v311)
            switch packet {
            case .auth:
                #expect(bytes.isEmpty)
            case .publish(let publish) where publish.topic.isEmpty:
                expectRefusal(.topicNameInvalid, bytes, version: .v311)
            default:
                let decoded = expectAccepted(bytes, version: Fixtures.decodingVersion(of: packet, .v311))
                #expect(decoded == packet.as311, "\(packet)")
            }
        }
    }

    @Test func propertiesAPacketMayNotCarryAreNotEncoded() {
        var everything = Fixtures.connAckProperties
        everything.topicAlias = 4
        everything.subscriptionIdentifiers = [5]
        everything.willDelayInterval = 1
        let ack = MQTTPacket.ack(AckPacket(.puback, packetID: 9, properties: everything))
        guard case .ack(let decoded) = expectAccepted(Fixtures.encode(ack, .v5), version: .v5) else { return }
        #expect(decoded.properties == Fixtures.replyProperties.changing { $0.reasonString = "welcome" })

        let publish = MQTTPacket.publish(PublishPacket(topic: "t", payload: ByteBuffer(), properties: everything))
        guard case .publish(let decodedPublish) = expectAccepted(Fixtures.encode(publish, .v5), version: .v5)
        else { return }
        var expected = MQTTProperties()
        expected.topicAlias = 4
        expected.subscriptionIdentifiers = [5]
        expected.userProperties = Fixtures.users
        #expect(decodedPublish.properties == expected)
    }

    @Test func qos0NeverCarriesDupOrAPacketIdentifier() {
        let publish = PublishPacket(topic: "t", payload: ByteBuffer(), dup: true, packetID: 5)
        let bytes = Fixtures.encode(.publish(publish), .v311)
        #expect(bytes == [0x30, 0x03, 0x00, 0x01, 0x74])
    }

    @Test(arguments: [MQTTVersion.v311, .v5])
    func aBrokersCopyEncodesAsThePacketWithTheCopysValues(_ version: MQTTVersion) {
        let bases: [MQTTProperties] = [
            .none, Fixtures.publishProperties, MQTTProperties().changing { $0.messageExpiryInterval = 600 },
            MQTTProperties().changing { $0.userProperties = [UserProperty("note", String(repeating: "n", count: 300))] },
        ]
        let copies = [
            PublishCopyProperties(), PublishCopyProperties(messageExpiryInterval: 42),
            PublishCopyProperties(subscriptionIdentifiers: [7, 200_000]),
            PublishCopyProperties(messageExpiryInterval: 1, subscriptionIdentifiers: []),
        ]
        for base in bases {
            for copy in copies {
                let publish = PublishPacket(topic: "devices/d/telemetry/f", payload: ByteBuffer(string: "{}"), qos: .atLeastOnce,
                                            packetID: 3, properties: base)
                var written = ByteBuffer()
                MQTTCodec.encode(publish, copy: copy, version: version, into: &written)
                var applied = publish
                applied.properties = copy.applied(to: base)
                #expect(Array(written.readableBytesView) == Fixtures.encode(.publish(applied), version), "\(base) \(copy)")
                if version == .v5 {
                    let decoded = expectAccepted(Array(written.readableBytesView), version: .v5)
                    #expect(decoded == .publish(applied))
                }
            }
        }
    }

    /// The property length is written before the properties are, as one byte, and moved up when
    /// they turn out to need two or three.
    @Test func propertySectionsOfEveryLengthRoundTrip() {
        for length in [0, 1, 120, 123, 124, 127, 128, 500, 16_370, 16_400] {
            var properties = MQTTProperties()
            if length > 0 { properties.userProperties = [UserProperty("", String(repeating: "v", count: length))] }
            let publish = MQTTPacket.publish(PublishPacket(topic: "t", payload: ByteBuffer(string: "p"), properties: properties))
            #expect(expectAccepted(Fixtures.encode(publish, .v5), version: .v5) == publish, "\(length)")
        }
    }

    @Test func refusedConnectionsNeverClaimASession() {
        for version in [MQTTVersion.v311, .v5] {
            let connack = MQTTPacket.connack(ConnAckPacket(sessionPresent: true, reasonCode: .serverBusy))
            #expect(Fixtures.encode(connack, version)[2] == 0)
        }
    }
}

extension MQTTPacket {
    var kindName: String {
        switch self {
        case .connect: "connect"
        case .connack: "connack"
        case .publish: "publish"
        case .ack(let ack): "\(ack.kind)"
        case .subscribe: "subscribe"
        case .suback: "suback"
        case .unsubscribe: "unsubscribe"
        case .unsuback: "unsuback"
        case .pingreq: "pingreq"
        case .pingresp: "pingresp"
        case .disconnect: "disconnect"
        case .auth: "auth"
        }
    }

    /// What a 3.1.1 wire keeps of a packet.
    var as311: MQTTPacket {
        switch self {
        case .connect:
            // A CONNECT is encoded by its own version, whatever the connection's.
            return self
        case .connack(var connack):
            connack.properties = .none
            return .connack(connack)
        case .publish(var publish):
            publish.properties = .none
            return .publish(publish)
        case .ack(var ack):
            ack.properties = .none
            ack.reasonCode = .success
            return .ack(ack)
        case .subscribe(var subscribe):
            subscribe.properties = .none
            subscribe.subscriptions = subscribe.subscriptions.map { Subscription(filter: $0.filter, qos: $0.qos) }
            return .subscribe(subscribe)
        case .suback(var suback):
            suback.properties = .none
            suback.reasonCodes = suback.reasonCodes.map { $0.isFailure ? .unspecifiedError : $0 }
            return .suback(suback)
        case .unsubscribe(var unsubscribe):
            unsubscribe.properties = .none
            return .unsubscribe(unsubscribe)
        case .unsuback(var unsuback):
            unsuback.properties = .none
            unsuback.reasonCodes = []
            return .unsuback(unsuback)
        case .disconnect:
            return .disconnect(DisconnectPacket())
        case .pingreq, .pingresp, .auth:
            return self
        }
    }
}

extension MQTTProperties {
    func changing(_ change: (inout MQTTProperties) -> Void) -> MQTTProperties {
        var copy = self
        change(&copy)
        return copy
    }
}
