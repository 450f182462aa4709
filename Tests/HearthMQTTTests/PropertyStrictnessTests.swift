import HearthMQTT
import Testing

@Suite struct PropertyStrictnessTests {
    /// A QoS 0 MQTT 5 PUBLISH to "t" carrying `properties`.
    private func publish(_ properties: [UInt8]) -> [UInt8] {
        Wire.packet(0x30, Wire.string("t"), properties)
    }

    @Test func aPropertyLengthBeyondThePacketIsMalformed() {
        expectRefusal(.malformedPacket, publish([0x05, 0x23, 0x00, 0x01]), version: .v5)
        expectRefusal(.malformedPacket, publish([0x80]), version: .v5)
        expectRefusal(.malformedPacket, publish([]), version: .v5)
        expectRefusal(.malformedPacket, [0xE0, 0x03, 0x00, 0x05, 0x1F], version: .v5)
    }

    @Test func aValueRunningPastThePropertiesIsMalformed() {
        // The property length says 2, but a topic alias needs 3 bytes; the third is payload.
        expectRefusal(.malformedPacket, publish([0x02, 0x23, 0x00, 0x01]), version: .v5)
        expectRefusal(.malformedPacket, publish(Wire.properties([0x26, 0x00, 0x01, 0x61])), version: .v5)
    }

    @Test func unknownPropertiesAreMalformed() {
        for identifier: UInt8 in [0x00, 0x04, 0x0A, 0x2B, 0x7F] {
            expectRefusal(.malformedPacket, publish(Wire.properties([identifier, 0x00])), version: .v5)
        }
        // A two-byte identifier names no property.
        expectRefusal(.malformedPacket, publish(Wire.properties([0x81, 0x01, 0x00])), version: .v5)
    }

    @Test func propertiesNotAllowedForThePacketAreMalformed() {
        // Topic alias in an acknowledgement, session expiry in a PUBLISH, reason string in a CONNECT.
        expectRefusal(.malformedPacket, [0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01], version: .v5)
        expectRefusal(.malformedPacket, publish(Wire.properties([0x11, 0, 0, 0, 1])), version: .v5)
        let connect = Wire.string("MQTT") + [5, 0x02] + Wire.u16(60) + Wire.properties([0x1F] + Wire.string("x"))
        expectRefusal(.malformedPacket, Wire.packet(0x10, connect, Wire.string("c")), version: nil)
        // The will's properties are a different set: a session expiry interval belongs to the CONNECT.
        let willConnect = Wire.string("MQTT") + [5, 0x06] + Wire.u16(60) + [0]
        let bad = Wire.packet(
            0x10, willConnect, Wire.string("c"), Wire.properties([0x11, 0, 0, 0, 1]), Wire.string("w"), Wire.prefixed([]))
        expectRefusal(.malformedPacket, bad, version: nil)
        let good = Wire.packet(
            0x10, willConnect, Wire.string("c"), Wire.properties([0x18, 0, 0, 0, 1]), Wire.string("w"), Wire.prefixed([]))
        expectAccepted(good, version: nil)
    }

    @Test func aRepeatedSingleValuedPropertyIsAProtocolError() {
        expectRefusal(.protocolError, publish(Wire.properties([0x23, 0x00, 0x01], [0x23, 0x00, 0x02])), version: .v5)
        expectRefusal(.protocolError, publish(Wire.properties([0x01, 0x00], [0x01, 0x00])), version: .v5)
        let reason = [0x1F] + Wire.string("x")
        expectRefusal(.protocolError, [0x40, 0x0C, 0x00, 0x01, 0x00, 0x08] + reason + reason, version: .v5)
    }

    @Test func userPropertiesRepeatAndKeepTheirOrder() throws {
        let first = [0x26] + Wire.string("k") + Wire.string("2")
        let second = [0x26] + Wire.string("k") + Wire.string("1")
        let decoded = expectAccepted(publish(Wire.properties(first, second, first)), version: .v5)
        guard case .publish(let packet) = decoded else { return }
        #expect(packet.properties.userProperties == [UserProperty("k", "2"), UserProperty("k", "1"), UserProperty("k", "2")])
    }

    @Test func zeroWhereZeroIsForbiddenIsAProtocolError() {
        expectRefusal(.protocolError, publish(Wire.properties([0x23, 0x00, 0x00])), version: .v5)
        expectRefusal(.protocolError, publish(Wire.properties([0x0B, 0x00])), version: .v5)
        let connect = { (property: [UInt8]) in
            Wire.packet(0x10, Wire.string("MQTT"), [5, 0x02], Wire.u16(60), Wire.properties(property), Wire.string("c"))
        }
        expectRefusal(.protocolError, connect([0x21, 0x00, 0x00]), version: nil)
        expectRefusal(.protocolError, connect([0x27, 0x00, 0x00, 0x00, 0x00]), version: nil)
        expectAccepted(connect([0x22, 0x00, 0x00]), version: nil)
    }

    @Test func switchesOtherThan0Or1AreAProtocolError() {
        expectRefusal(.protocolError, publish(Wire.properties([0x01, 0x02])), version: .v5)
        let connAck = { (property: [UInt8]) in Wire.packet(0x20, [0x00, 0x00], Wire.properties(property)) }
        for identifier: UInt8 in [0x24, 0x25, 0x28, 0x29, 0x2A] {
            expectRefusal(.protocolError, connAck([identifier, 0x02]), version: .v5)
            expectAccepted(connAck([identifier, 0x01]), version: .v5)
        }
        let connect = { (property: [UInt8]) in
            Wire.packet(0x10, Wire.string("MQTT"), [5, 0x02], Wire.u16(60), Wire.properties(property), Wire.string("c"))
        }
        expectRefusal(.protocolError, connect([0x17, 0x02]), version: nil)
        expectRefusal(.protocolError, connect([0x19, 0xFF]), version: nil)
    }

    @Test func authenticationDataNeedsAnAuthenticationMethod() {
        let connect = { (properties: [UInt8]) in
            Wire.packet(0x10, Wire.string("MQTT"), [5, 0x02], Wire.u16(60), properties, Wire.string("c"))
        }
        let data = [0x16] + Wire.prefixed([1, 2])
        expectRefusal(.protocolError, connect(Wire.properties(data)), version: nil)
        expectAccepted(connect(Wire.properties([0x15] + Wire.string("m"), data)), version: nil)
    }

    @Test func aResponseTopicMustBeATopicName() {
        expectRefusal(.topicNameInvalid, publish(Wire.properties([0x08] + Wire.string("reply/+"))), version: .v5)
    }

    @Test func aSubscriptionIdentifierIsAVariableByteInteger() {
        expectRefusal(.malformedPacket, publish(Wire.properties([0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])), version: .v5)
        let decoded = expectAccepted(publish(Wire.properties([0x0B, 0xFF, 0xFF, 0xFF, 0x7F])), version: .v5)
        guard case .publish(let packet) = decoded else { return }
        #expect(packet.properties.subscriptionIdentifiers == [268_435_455])
    }
}
