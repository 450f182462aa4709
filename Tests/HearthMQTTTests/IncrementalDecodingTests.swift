import HearthMQTT
import NIOCore
import Testing

@Suite struct IncrementalDecodingTests {
    @Test(arguments: [MQTTVersion.v311, .v5])
    func everyStrictPrefixDecodesToNothingAndConsumesNothing(_ version: MQTTVersion) throws {
        for packet in Fixtures.packets(version) {
            let bytes = Fixtures.encode(packet, version)
            for length in 0..<bytes.count {
                var buffer = ByteBuffer(bytes: bytes.prefix(length))
                let decoded = try MQTTCodec.decode(
                    &buffer, version: Fixtures.decodingVersion(of: packet, version), maximumPacketSize: 1 << 20)
                #expect(decoded == nil)
                #expect(buffer.readableBytes == length)
            }
        }
    }

    @Test(arguments: [MQTTVersion.v311, .v5])
    func packetsBackToBackDecodeInOrder(_ version: MQTTVersion) throws {
        let packets = Fixtures.packets(version).filter { if case .connect = $0 { false } else { true } }
        let connect = MQTTPacket.connect(ConnectPacket(version: version, clientID: "x", cleanStart: true, keepAlive: 5))
        var buffer = ByteBuffer()
        for packet in [connect] + packets { MQTTCodec.encode(packet, version: version, into: &buffer) }
        // A stray half packet at the end must wait for the rest.
        buffer.writeBytes([0x30, 0x05, 0x00])

        var decoder = MQTTPacketDecoder(maximumPacketSize: 1 << 20)
        var decoded: [MQTTPacket] = []
        while let packet = try decoder.next(from: &buffer) { decoded.append(packet) }
        #expect(decoded == [connect] + packets)
        #expect(decoder.version == version)
        #expect(buffer.readableBytes == 3)
    }

    @Test func aPacketArrivingOneByteAtATimeDecodesOnItsLastByte() throws {
        let packet = Fixtures.packets(.v5)[7]
        let bytes = Fixtures.encode(packet, .v5)
        var buffer = ByteBuffer()
        for (index, byte) in bytes.enumerated() {
            buffer.writeInteger(byte)
            let decoded = try MQTTCodec.decode(&buffer, version: .v5, maximumPacketSize: 1 << 20)
            #expect((decoded != nil) == (index == bytes.count - 1))
        }
        #expect(buffer.readableBytes == 0)
    }
}

@Suite struct PacketDecoderTests {
    @Test func aBrokerLearnsTheVersionFromTheConnect() throws {
        for version in [MQTTVersion.v311, .v5] {
            var decoder = MQTTPacketDecoder(maximumPacketSize: 1024)
            #expect(decoder.version == nil)
            var buffer = ByteBuffer(bytes: Fixtures.encode(Fixtures.packets(version)[0], version))
            _ = try decoder.next(from: &buffer)
            #expect(decoder.version == version)
            // A second CONNECT is the broker's to refuse; it does not change the version.
            let other: MQTTVersion = version == .v5 ? .v311 : .v5
            buffer.writeBytes(Fixtures.encode(.connect(ConnectPacket(version: other, clientID: "b", cleanStart: true, keepAlive: 1)), other))
            #expect(try decoder.next(from: &buffer) != nil)
            #expect(decoder.version == version)
        }
    }

    @Test func aBrokerRefusesAnythingBeforeTheConnect() {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 1024)
        var buffer = ByteBuffer(bytes: [0xC0, 0x00])
        #expect(throws: MQTTProtocolError(.protocolError, "the first packet on a connection must be CONNECT")) {
            try decoder.next(from: &buffer)
        }
    }

    @Test func aClientGivenItsVersionDecodesServerPackets() throws {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 1024, version: .v311)
        var buffer = ByteBuffer(bytes: [0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x02])
        #expect(try decoder.next(from: &buffer) == .connack(ConnAckPacket(sessionPresent: false, reasonCode: .success)))
        #expect(try decoder.next(from: &buffer) == .suback(SubAckPacket(packetID: 1, reasonCodes: [.grantedQoS2])))
        #expect(try decoder.next(from: &buffer) == nil)
    }

    @Test func theMaximumPacketSizeApplies() {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 16, version: .v5)
        var buffer = ByteBuffer(bytes: [0x30, 0x0F])
        let error = #expect(throws: MQTTProtocolError.self) { try decoder.next(from: &buffer) }
        #expect(error?.reason == .packetTooLarge)
    }
}
