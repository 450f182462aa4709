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
