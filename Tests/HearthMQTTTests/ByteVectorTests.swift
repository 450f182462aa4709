import HearthMQTT
import NIOCore
import Testing

/// Bytes written out by hand from the specifications, checked in both directions.
@Suite struct ByteVectorTests {
    private func expectBytes(
        _ packet: MQTTPacket, _ version: MQTTVersion, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(Fixtures.encode(packet, version) == bytes, sourceLocation: sourceLocation)
        let decoded = expectAccepted(
            bytes, version: Fixtures.decodingVersion(of: packet, version), sourceLocation: sourceLocation)
        #expect(decoded == packet, sourceLocation: sourceLocation)
    }

    @Test func connect311WithCleanSessionAndKeepAlive60() {
        expectBytes(
            .connect(ConnectPacket(version: .v311, clientID: "a", cleanStart: true, keepAlive: 60)), .v311,
            [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61])
    }

    @Test func connect5WithEmptyProperties() {
        expectBytes(
            .connect(ConnectPacket(version: .v5, clientID: "a", cleanStart: true, keepAlive: 60)), .v5,
            [0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 0x61])
    }

    @Test func connect311WithWillUserAndPassword() {
        let will = Will(topic: "w", payload: ByteBuffer(bytes: [0x21]), qos: .atLeastOnce, retain: true)
        expectBytes(
            .connect(ConnectPacket(
                version: .v311, clientID: "c", cleanStart: false, keepAlive: 10, username: "u", password: [0x70],
                will: will)), .v311,
            [0x10, 0x19, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0b1110_1100, 0x00, 0x0A,
             0x00, 0x01, 0x63, 0x00, 0x01, 0x77, 0x00, 0x01, 0x21, 0x00, 0x01, 0x75, 0x00, 0x01, 0x70])
    }

    @Test func publish5AtQoS1WithATopicAlias() {
        var properties = MQTTProperties()
        properties.topicAlias = 5
        let hi = ByteBuffer(string: "hi")
        expectBytes(
            .publish(PublishPacket(topic: "t", payload: hi, qos: .atLeastOnce, packetID: 1, properties: properties)), .v5,
            [0x32, 0x0B, 0x00, 0x01, 0x74, 0x00, 0x01, 0x03, 0x23, 0x00, 0x05, 0x68, 0x69])
        expectBytes(
            .publish(PublishPacket(topic: "", payload: hi, qos: .atLeastOnce, packetID: 1, properties: properties)), .v5,
            [0x32, 0x0A, 0x00, 0x00, 0x00, 0x01, 0x03, 0x23, 0x00, 0x05, 0x68, 0x69])
    }

    @Test func publish311RetainedAtQoS2WithDup() {
        expectBytes(
            .publish(PublishPacket(
                topic: "a/b", payload: ByteBuffer(bytes: [1, 2]), qos: .exactlyOnce, retain: true, dup: true,
                packetID: 0x1234)), .v311,
            [0x3D, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x12, 0x34, 0x01, 0x02])
    }

    @Test func pingAndDisconnect() {
        for version in [MQTTVersion.v311, .v5] {
            expectBytes(.pingreq, version, [0xC0, 0x00])
            expectBytes(.pingresp, version, [0xD0, 0x00])
            expectBytes(.disconnect(DisconnectPacket()), version, [0xE0, 0x00])
        }
        expectBytes(.disconnect(DisconnectPacket(reasonCode: .sessionTakenOver)), .v5, [0xE0, 0x01, 0x8E])
        #expect(Fixtures.encode(.disconnect(DisconnectPacket(reasonCode: .sessionTakenOver)), .v311) == [0xE0, 0x00])
    }

    @Test func connAckBothVersions() {
        expectBytes(.connack(ConnAckPacket(sessionPresent: true, reasonCode: .success)), .v311, [0x20, 0x02, 0x01, 0x00])
        expectBytes(.connack(ConnAckPacket(sessionPresent: false, reasonCode: .success)), .v5, [0x20, 0x03, 0x00, 0x00, 0x00])
        expectBytes(
            .connack(ConnAckPacket(sessionPresent: false, reasonCode: .notAuthorized)), .v5, [0x20, 0x03, 0x00, 0x87, 0x00])
    }

    @Test(arguments: [
        (ReasonCode.success, UInt8(0)), (.unsupportedProtocolVersion, 1), (.clientIdentifierNotValid, 2),
        (.serverUnavailable, 3), (.serverBusy, 3), (.badUserNameOrPassword, 4), (.notAuthorized, 5), (.banned, 5),
        (.unspecifiedError, 5), (.quotaExceeded, 5),
    ])
    func connAck311ReturnCodes(_ reasonCode: ReasonCode, _ returnCode: UInt8) throws {
        let bytes = Fixtures.encode(.connack(ConnAckPacket(sessionPresent: false, reasonCode: reasonCode)), .v311)
        #expect(bytes == [0x20, 0x02, 0x00, returnCode])
        let back: [UInt8: ReasonCode] = [
            0: .success, 1: .unsupportedProtocolVersion, 2: .clientIdentifierNotValid, 3: .serverUnavailable,
            4: .badUserNameOrPassword, 5: .notAuthorized,
        ]
        let decoded = try decodeOne(bytes, version: .v311)
        #expect(decoded == .connack(ConnAckPacket(sessionPresent: false, reasonCode: try #require(back[returnCode]))))
    }

    @Test func subscribeBothVersions() {
        let filter: [UInt8] = [0x00, 0x03, 0x61, 0x2F, 0x62]
        expectBytes(
            .subscribe(SubscribePacket(packetID: 10, subscriptions: [Subscription(filter: "a/b", qos: .atLeastOnce)])),
            .v311, [0x82, 0x08, 0x00, 0x0A] + filter + [0x01])
        expectBytes(
            .subscribe(SubscribePacket(
                packetID: 10,
                subscriptions: [
                    Subscription(
                        filter: "a/b", qos: .atLeastOnce, noLocal: true, retainAsPublished: true,
                        retainHandling: .doNotSend)
                ])),
            .v5, [0x82, 0x09, 0x00, 0x0A, 0x00] + filter + [0x2D])
    }

    @Test func subAck311MapsEveryFailureTo0x80() throws {
        let suback = SubAckPacket(packetID: 10, reasonCodes: [.grantedQoS1, .notAuthorized, .topicFilterInvalid])
        let bytes = Fixtures.encode(.suback(suback), .v311)
        #expect(bytes == [0x90, 0x05, 0x00, 0x0A, 0x01, 0x80, 0x80])
        let decoded = try decodeOne(bytes, version: .v311)
        #expect(decoded == .suback(SubAckPacket(packetID: 10, reasonCodes: [.grantedQoS1, .unspecifiedError, .unspecifiedError])))
    }

    @Test func acknowledgementsOmitWhatMQTT5LetsThemOmit() {
        expectBytes(.ack(AckPacket(.puback, packetID: 1)), .v5, [0x40, 0x02, 0x00, 0x01])
        expectBytes(.ack(AckPacket(.pubrec, packetID: 1, reasonCode: .noMatchingSubscribers)), .v5, [0x50, 0x03, 0x00, 0x01, 0x10])
        var properties = MQTTProperties()
        properties.reasonString = "x"
        expectBytes(
            .ack(AckPacket(.pubcomp, packetID: 1, properties: properties)), .v5,
            [0x70, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, 0x78])
        expectBytes(.ack(AckPacket(.pubrel, packetID: 1)), .v311, [0x62, 0x02, 0x00, 0x01])
        // MQTT 5 §3.4.2.1: a receiver reads a present success code and empty properties the same way.
        #expect(expectAccepted([0x40, 0x04, 0x00, 0x01, 0x00, 0x00], version: .v5) == .ack(AckPacket(.puback, packetID: 1)))
    }

    @Test func unsubscribeAndUnsubAck() {
        expectBytes(
            .unsubscribe(UnsubscribePacket(packetID: 2, filters: ["a"])), .v311, [0xA2, 0x05, 0x00, 0x02, 0x00, 0x01, 0x61])
        expectBytes(.unsuback(UnsubAckPacket(packetID: 2)), .v311, [0xB0, 0x02, 0x00, 0x02])
        expectBytes(
            .unsuback(UnsubAckPacket(packetID: 2, reasonCodes: [.noSubscriptionExisted])), .v5,
            [0xB0, 0x04, 0x00, 0x02, 0x00, 0x11])
    }

    @Test func auth() {
        expectBytes(.auth(AuthPacket()), .v5, [0xF0, 0x00])
        var properties = MQTTProperties()
        properties.authenticationMethod = "m"
        expectBytes(
            .auth(AuthPacket(reasonCode: .continueAuthentication, properties: properties)), .v5,
            [0xF0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, 0x6D])
        #expect(Fixtures.encode(.auth(AuthPacket()), .v311).isEmpty)
    }

    /// MQTT 5 §1.5.5's table of Remaining Length encodings, at each boundary.
    @Test(arguments: [
        (127, [UInt8(0x7F)]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
        (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]),
    ])
    func remainingLengthEncoding(_ remainingLength: Int, _ encoded: [UInt8]) throws {
        // A QoS 0 PUBLISH to "t" has 3 bytes before its payload.
        let payload = ByteBuffer(repeating: 0xAB, count: remainingLength - 3)
        let packet = MQTTPacket.publish(PublishPacket(topic: "t", payload: payload))
        // 3.1.1, so that no property length joins the arithmetic.
        var buffer = MQTTCodec.encode(packet, version: .v311)
        #expect(Array(buffer.readableBytesView.prefix(1 + encoded.count)) == [0x30] + encoded)
        #expect(buffer.readableBytes == 1 + encoded.count + remainingLength)
        let decoded = try MQTTCodec.decode(&buffer, version: .v311, maximumPacketSize: 4 << 20)
        #expect(decoded == packet)
    }
}
