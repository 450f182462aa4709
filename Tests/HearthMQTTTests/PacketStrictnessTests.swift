import HearthMQTT
import Testing

@Suite struct PacketStrictnessTests {
    private let t = Wire.string("t")

    @Test func packetIdentifier0IsAProtocolErrorIn5AndMalformedIn311() {
        let zero = Wire.u16(0)
        let cases: [(MQTTVersion, ReasonCode)] = [(.v5, .protocolError), (.v311, .malformedPacket)]
        for (version, reason) in cases {
            let properties: [UInt8] = version == .v5 ? [0] : []
            expectRefusal(reason, Wire.packet(0x32, t, zero, properties), version: version)
            expectRefusal(reason, Wire.packet(0x34, t, zero, properties), version: version)
            expectRefusal(reason, Wire.packet(0x40, zero), version: version)
            expectRefusal(reason, Wire.packet(0x50, zero), version: version)
            expectRefusal(reason, Wire.packet(0x62, zero), version: version)
            expectRefusal(reason, Wire.packet(0x70, zero), version: version)
            expectRefusal(reason, Wire.packet(0x82, zero, properties, t, [0]), version: version)
            expectRefusal(reason, Wire.packet(0x90, zero, properties, [0]), version: version)
            expectRefusal(reason, Wire.packet(0xA2, zero, properties, t), version: version)
            expectRefusal(reason, Wire.packet(0xB0, zero, properties, version == .v5 ? [0] : []), version: version)
        }
    }

    @Test func publishTopicsMayNotHoldWildcards() {
        for version in [MQTTVersion.v311, .v5] {
            let properties: [UInt8] = version == .v5 ? [0] : []
            for topic in ["a/+", "#", "a/#/b", "sport+"] {
                expectRefusal(.topicNameInvalid, Wire.packet(0x30, Wire.string(topic), properties), version: version)
            }
        }
    }

    @Test func anEmptyTopicNeedsATopicAliasIn5AndIsInvalidIn311() {
        expectRefusal(.topicNameInvalid, Wire.packet(0x30, Wire.string(""), [1, 2]), version: .v311)
        expectRefusal(.protocolError, Wire.packet(0x30, Wire.string(""), [0], [1, 2]), version: .v5)
        expectAccepted(Wire.packet(0x30, Wire.string(""), Wire.properties([0x23, 0x00, 0x01]), [1, 2]), version: .v5)
    }

    @Test func subscribeWithoutSubscriptionsIsAProtocolError() {
        expectRefusal(.protocolError, Wire.packet(0x82, Wire.u16(1)), version: .v311)
        expectRefusal(.protocolError, Wire.packet(0x82, Wire.u16(1), [0]), version: .v5)
    }

    @Test func unsubscribeWithoutFiltersIsAProtocolError() {
        expectRefusal(.protocolError, Wire.packet(0xA2, Wire.u16(1)), version: .v311)
        expectRefusal(.protocolError, Wire.packet(0xA2, Wire.u16(1), [0]), version: .v5)
    }

    @Test(arguments: [UInt8(0x03), 0x30, 0x31, 0x40, 0x80, 0xC1])
    func badSubscriptionOptionsAreMalformedIn5(_ options: UInt8) {
        expectRefusal(.malformedPacket, Wire.packet(0x82, Wire.u16(1), [0], t, [options]), version: .v5)
    }

    @Test(arguments: [UInt8(0x03), 0x04, 0x08, 0x10, 0x20, 0x40, 0x80])
    func subscriptionOptionsAboveTheQoSAreMalformedIn311(_ options: UInt8) {
        expectRefusal(.malformedPacket, Wire.packet(0x82, Wire.u16(1), t, [options]), version: .v311)
    }

    @Test func aSubscriptionWithoutOptionsIsMalformed() {
        expectRefusal(.malformedPacket, Wire.packet(0x82, Wire.u16(1), t), version: .v311)
    }

    @Test(arguments: ["", "a/#/b", "a#", "sport/tennis+", "+a"])
    func badFiltersAreInvalidInSubscribeAndUnsubscribe(_ filter: String) {
        expectRefusal(.topicFilterInvalid, Wire.packet(0x82, Wire.u16(1), Wire.string(filter), [0]), version: .v311)
        expectRefusal(.topicFilterInvalid, Wire.packet(0x82, Wire.u16(1), [0], Wire.string(filter), [0]), version: .v5)
        expectRefusal(.topicFilterInvalid, Wire.packet(0xA2, Wire.u16(1), Wire.string(filter)), version: .v311)
        expectRefusal(.topicFilterInvalid, Wire.packet(0xA2, Wire.u16(1), [0], Wire.string(filter)), version: .v5)
    }

    @Test func sharedSubscriptionsAreCheckedIn5() {
        let filter = Wire.string("$share/g/a/+")
        expectAccepted(Wire.packet(0x82, Wire.u16(1), [0], filter, [0x01]), version: .v5)
        // No Local on a shared subscription (MQTT 5 §3.8.3.1).
        expectRefusal(.protocolError, Wire.packet(0x82, Wire.u16(1), [0], filter, [0x05]), version: .v5)
        for bad in ["$share/g", "$share//a", "$share/g+/a", "$share/g/", "$share/g/a/#/b"] {
            expectRefusal(.topicFilterInvalid, Wire.packet(0x82, Wire.u16(1), [0], Wire.string(bad), [0]), version: .v5)
        }
        // 3.1.1 has no shared subscriptions: the text is an ordinary filter.
        expectAccepted(Wire.packet(0x82, Wire.u16(1), Wire.string("$share/g"), [0]), version: .v311)
    }

    @Test func subscribeWithTwoSubscriptionIdentifiersIsAProtocolError() {
        let properties = Wire.properties([0x0B, 0x01], [0x0B, 0x02])
        expectRefusal(.protocolError, Wire.packet(0x82, Wire.u16(1), properties, t, [0]), version: .v5)
        // PUBLISH may carry several.
        expectAccepted(Wire.packet(0x30, t, properties), version: .v5)
    }

    @Test func fixedSizePacketsWithTrailingBytesAreMalformed() {
        for version in [MQTTVersion.v311, .v5] {
            expectRefusal(.malformedPacket, [0xC0, 0x01, 0x00], version: version)
            expectRefusal(.malformedPacket, [0xD0, 0x01, 0x00], version: version)
            expectRefusal(.malformedPacket, [0xC0, 0x02, 0x00, 0x00], version: version)
        }
        expectRefusal(.malformedPacket, [0xE0, 0x01, 0x00], version: .v311)
        expectRefusal(.malformedPacket, [0x40, 0x03, 0x00, 0x01, 0x00], version: .v311)
        expectRefusal(.malformedPacket, [0x62, 0x03, 0x00, 0x01, 0x00], version: .v311)
        expectRefusal(.malformedPacket, [0xB0, 0x03, 0x00, 0x01, 0x00], version: .v311)
        // MQTT 5 acknowledgement: properties, then something after them.
        expectRefusal(.malformedPacket, [0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0xE0, 0x03, 0x00, 0x00, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0xF0, 0x03, 0x00, 0x00, 0x00], version: .v5)
    }

    @Test func truncatedFixedSizePacketsAreMalformed() {
        expectRefusal(.malformedPacket, [0x40, 0x01, 0x00], version: .v311)
        expectRefusal(.malformedPacket, [0x40, 0x00], version: .v5)
        expectRefusal(.malformedPacket, [0x32, 0x04, 0x00, 0x01, 0x74, 0x00], version: .v311)
    }

    @Test func reasonCodesAPacketMayNotCarryAreMalformed() {
        expectRefusal(.malformedPacket, [0x40, 0x03, 0x00, 0x01, 0x04], version: .v5)
        expectRefusal(.malformedPacket, [0x62, 0x03, 0x00, 0x01, 0x10], version: .v5)
        expectRefusal(.malformedPacket, [0x90, 0x04, 0x00, 0x01, 0x00, 0x03], version: .v5)
        expectRefusal(.malformedPacket, [0x90, 0x03, 0x00, 0x01, 0x03], version: .v311)
        expectRefusal(.malformedPacket, [0x90, 0x03, 0x00, 0x01, 0x87], version: .v311)
        expectRefusal(.malformedPacket, [0xB0, 0x04, 0x00, 0x01, 0x00, 0x01], version: .v5)
        expectRefusal(.malformedPacket, [0xE0, 0x01, 0x01], version: .v5)
        expectRefusal(.malformedPacket, [0xF0, 0x01, 0x87], version: .v5)
    }

    @Test func acknowledgementsWithoutReasonCodesAreAProtocolError() {
        expectRefusal(.protocolError, [0x90, 0x02, 0x00, 0x01], version: .v311)
        expectRefusal(.protocolError, [0x90, 0x03, 0x00, 0x01, 0x00], version: .v5)
        expectRefusal(.protocolError, [0xB0, 0x03, 0x00, 0x01, 0x00], version: .v5)
    }
}

@Suite struct StringStrictnessTests {
    @Test(arguments: [
        [UInt8(0xC3), 0x28],  // a lead byte followed by ASCII
        [0xC0, 0xAF],  // an overlong "/"
        [0xED, 0xA0, 0x80],  // an encoded surrogate, U+D800
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        [0xFF],
        [0x61, 0x00, 0x62],  // U+0000
    ])
    func badUTF8IsMalformedWherever(_ bytes: [UInt8]) {
        let text = Wire.prefixed(bytes)
        expectRefusal(.malformedPacket, Wire.packet(0x30, text), version: .v311)
        expectRefusal(.malformedPacket, Wire.packet(0x10, Wire.connectHeader(flags: 0x02), text), version: nil)
        expectRefusal(.malformedPacket, Wire.packet(0x82, Wire.u16(1), text, [0]), version: .v311)
        expectRefusal(.malformedPacket, Wire.packet(0xA2, Wire.u16(1), text), version: .v311)
        let userProperty = [0x26] + text + Wire.string("v")
        expectRefusal(.malformedPacket, Wire.packet(0x30, Wire.string("t"), Wire.properties(userProperty)), version: .v5)
    }

    @Test func aStringLongerThanThePacketIsMalformed() {
        expectRefusal(.malformedPacket, Wire.packet(0x30, [0x00, 0x05, 0x61]), version: .v311)
        expectRefusal(.malformedPacket, Wire.packet(0x30, [0xFF, 0xFF, 0x61]), version: .v5)
        expectRefusal(.malformedPacket, Wire.packet(0x30, [0x00]), version: .v311)
        // A password whose length runs past the end.
        expectRefusal(
            .malformedPacket, Wire.packet(0x10, Wire.connectHeader(level: 5, flags: 0xC2), Wire.string("c"),
                                          Wire.string("u"), [0x00, 0x09, 0x01]), version: nil)
    }

    @Test func multiByteCharactersAreFine() {
        let decoded = expectAccepted(Wire.packet(0x30, Wire.string("maison/cuisine/température/😀")), version: .v311)
        guard case .publish(let publish) = decoded else { return }
        #expect(publish.topic == "maison/cuisine/température/😀")
    }
}
