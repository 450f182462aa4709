import HearthMQTT
import Testing

/// What the first bytes alone prove wrong, refused before the body is waited for.
@Suite struct FixedHeaderStrictnessTests {
    @Test(arguments: [
        // PUBREL, SUBSCRIBE and UNSUBSCRIBE need 0b0010; every other type but PUBLISH needs 0.
        UInt8(0x60), 0x63, 0x80, 0x8A, 0xA0, 0xA3, 0x21, 0x41, 0x52, 0x72, 0x92, 0xB1, 0xC1, 0xD8, 0xE2, 0xF4,
    ])
    func reservedFlagBitsAreMalformed(_ firstByte: UInt8) {
        // Only the first byte is given: the flags are refused before anything else arrives.
        expectRefusal(.malformedPacket, [firstByte], version: .v5)
        expectRefusal(.malformedPacket, [firstByte, 0x02, 0x00, 0x01], version: .v5)
    }

    @Test func connectWithReservedFlagBitsIsMalformed() {
        expectRefusal(.malformedPacket, [0x11], version: nil)
    }

    @Test func packetType0IsMalformed() {
        expectRefusal(.malformedPacket, [0x00, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x00, 0x00], version: .v311)
    }

    @Test func authIsMalformedInMQTT311() {
        expectRefusal(.malformedPacket, [0xF0, 0x00], version: .v311)
        expectAccepted([0xF0, 0x00], version: .v5)
    }

    @Test(arguments: [UInt8(0x20), 0x30, 0x40, 0x82, 0xC0, 0xE0, 0xF0])
    func anythingButConnectBeforeTheConnectIsAProtocolError(_ firstByte: UInt8) {
        expectRefusal(.protocolError, [firstByte], version: nil)
    }

    @Test func publishWithQoS3IsMalformed() {
        for version in [MQTTVersion.v311, .v5] {
            expectRefusal(.malformedPacket, [0x36], version: version)
            expectRefusal(.malformedPacket, [0x3E, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], version: version)
        }
    }

    @Test func qos0PublishWithDupIsMalformed() {
        for version in [MQTTVersion.v311, .v5] {
            expectRefusal(.malformedPacket, Wire.packet(0x38, Wire.string("t")), version: version)
        }
    }

    @Test func remainingLengthOfMoreThanFourBytesIsMalformed() {
        expectRefusal(.malformedPacket, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], version: .v5, maximumPacketSize: .max)
        expectRefusal(.malformedPacket, [0x30, 0x80, 0x80, 0x80, 0x80], version: .v5, maximumPacketSize: .max)
    }

    @Test func remainingLengthThatIsNotMinimallyEncodedIsMalformed() {
        expectRefusal(.malformedPacket, [0xC0, 0x80, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x30, 0x85, 0x80, 0x00], version: .v5)
    }

    @Test func packetTooLargeIsDetectedFromTheFixedHeaderAlone() {
        expectRefusal(.packetTooLarge, [0x30, 0xFF, 0xFF, 0xFF, 0x7F], version: .v5, maximumPacketSize: 1024)
        expectRefusal(.packetTooLarge, [0x10, 0xFF, 0xFF, 0xFF, 0x7F], version: nil, maximumPacketSize: 1024)
        // Before the length is complete, when what has come already exceeds the limit.
        expectRefusal(.packetTooLarge, [0x30, 0xFF, 0xFF], version: .v5, maximumPacketSize: 1024)
        expectRefusal(.packetTooLarge, [0x30, 0x80, 0x80], version: .v5, maximumPacketSize: 1024)
    }

    @Test func theMaximumPacketSizeCountsTheWholePacket() throws {
        // PUBLISH "t" with a 10-byte payload: 2 header bytes + 13 remaining = 15.
        let bytes = Wire.packet(0x30, Wire.string("t"), [UInt8](repeating: 7, count: 10))
        #expect(bytes.count == 15)
        #expect(try decodeOne(bytes, version: .v311, maximumPacketSize: 15) != nil)
        expectRefusal(.packetTooLarge, bytes, version: .v311, maximumPacketSize: 14)
        expectRefusal(.packetTooLarge, Array(bytes.prefix(2)), version: .v311, maximumPacketSize: 14)
        // An incomplete length that could still be small enough waits.
        #expect(try decodeOne([0x30, 0x80], version: .v311, maximumPacketSize: 200) == nil)
    }
}
