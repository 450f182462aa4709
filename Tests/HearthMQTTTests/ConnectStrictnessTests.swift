import HearthMQTT
import Testing

@Suite struct ConnectStrictnessTests {
    private let clientID = Wire.string("c")

    @Test func theProtocolLevelDecidesTheVersion() {
        #expect(expectAccepted(Wire.packet(0x10, Wire.connectHeader(level: 4, flags: 0x02), clientID), version: nil)
            == .connect(ConnectPacket(version: .v311, clientID: "c", cleanStart: true, keepAlive: 60)))
        #expect(expectAccepted(Wire.packet(0x10, Wire.connectHeader(level: 5, flags: 0x00), clientID), version: nil)
            == .connect(ConnectPacket(version: .v5, clientID: "c", cleanStart: false, keepAlive: 60)))
    }

    @Test(arguments: [UInt8(0), 1, 2, 3, 6, 0x84, 0xFF])
    func otherProtocolLevelsAreUnsupported(_ level: UInt8) {
        let bytes = Wire.packet(0x10, Wire.string("MQTT"), [level, 0x02], Wire.u16(60), clientID)
        expectRefusal(.unsupportedProtocolVersion, bytes, version: nil)
    }

    @Test(arguments: ["MQIsdp", "mqtt", "MQTT5", ""])
    func otherProtocolNamesAreUnsupported(_ name: String) {
        let bytes = Wire.packet(0x10, Wire.string(name), [4, 0x02], Wire.u16(60), clientID)
        expectRefusal(.unsupportedProtocolVersion, bytes, version: nil)
    }

    @Test func theReservedConnectFlagIsMalformed() {
        for level: UInt8 in [4, 5] {
            expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(level: level, flags: 0x03), clientID), version: nil)
        }
    }

    @Test(arguments: [UInt8(0x08), 0x10, 0x18, 0x20, 0x28])
    func willQoSOrRetainWithoutTheWillFlagIsMalformed(_ flags: UInt8) {
        for level: UInt8 in [4, 5] {
            let bytes = Wire.packet(0x10, Wire.connectHeader(level: level, flags: flags | 0x02), clientID)
            expectRefusal(.malformedPacket, bytes, version: nil)
        }
    }

    @Test func willQoS3IsMalformed() {
        let bytes = Wire.packet(
            0x10, Wire.connectHeader(flags: 0x1E), clientID, Wire.string("w"), Wire.prefixed([1]))
        expectRefusal(.malformedPacket, bytes, version: nil)
    }

    @Test func aWillTopicMustBeATopicName() {
        let bytes = Wire.packet(
            0x10, Wire.connectHeader(flags: 0x06), clientID, Wire.string("w/#"), Wire.prefixed([1]))
        expectRefusal(.topicNameInvalid, bytes, version: nil)
        let valid = Wire.packet(
            0x10, Wire.connectHeader(flags: 0x06), clientID, Wire.string("w/x"), Wire.prefixed([1]))
        expectAccepted(valid, version: nil)
    }

    @Test func aPasswordWithoutAUserNameIsMalformedIn311Only() {
        let password = Wire.prefixed([0x00, 0xFF])
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(level: 4, flags: 0x42), clientID, password), version: nil)
        let decoded = expectAccepted(Wire.packet(0x10, Wire.connectHeader(level: 5, flags: 0x42), clientID, password), version: nil)
        #expect(decoded == .connect(ConnectPacket(
            version: .v5, clientID: "c", cleanStart: true, keepAlive: 60, password: [0x00, 0xFF])))
    }

    @Test func flaggedFieldsThatAreMissingAreMalformed() {
        // User name flag set but the payload ends after the client identifier.
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(flags: 0x82), clientID), version: nil)
        // Will flag set but no will topic or payload.
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(flags: 0x06), clientID), version: nil)
        // No client identifier at all.
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(flags: 0x02)), version: nil)
    }

    @Test func trailingBytesAfterTheConnectPayloadAreMalformed() {
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(flags: 0x02), clientID, [0]), version: nil)
    }

    @Test func aSecondConnectIsStillDecoded() {
        expectAccepted(Wire.packet(0x10, Wire.connectHeader(flags: 0x02), clientID), version: .v311)
    }

    @Test func connAckReservedFlagsAndCodesAreMalformed() {
        expectRefusal(.malformedPacket, [0x20, 0x02, 0x02, 0x00], version: .v311)
        expectRefusal(.malformedPacket, [0x20, 0x03, 0x80, 0x00, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x20, 0x02, 0x00, 0x06], version: .v311)
        // 0x10 "no matching subscribers" is a reason code, but not one a CONNACK may carry.
        expectRefusal(.malformedPacket, [0x20, 0x03, 0x00, 0x10, 0x00], version: .v5)
        // MQTT 5 CONNACK always has a property length.
        expectRefusal(.malformedPacket, [0x20, 0x02, 0x00, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x20, 0x03, 0x00, 0x00, 0x00], version: .v311)
    }

    @Test func aRefusedConnectionCannotHaveASession() {
        expectRefusal(.protocolError, [0x20, 0x03, 0x01, 0x87, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x20, 0x02, 0x01, 0x05], version: .v311)
    }
}
