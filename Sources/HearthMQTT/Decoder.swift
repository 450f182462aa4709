import NIOCore

/// Turns MQTT packets into bytes and back, for either end of a connection.
public enum MQTTCodec {
    /// Decodes one whole packet from the front of `buffer`, consuming it, or returns nil and consumes
    /// nothing if the buffer does not yet hold a whole packet.
    ///
    /// `version` is nil until the connection's CONNECT has been decoded; then only a CONNECT is
    /// accepted, and its protocol name and level decide the version (see ``ConnectPacket/version``).
    /// A CONNECT is always decoded by its own level, so a broker sees a second CONNECT as such.
    /// `maximumPacketSize` counts the whole packet including its fixed header, and is enforced as
    /// soon as the fixed header has arrived.
    public static func decode(
        _ buffer: inout ByteBuffer, version: MQTTVersion?, maximumPacketSize: Int
    ) throws(MQTTProtocolError) -> MQTTPacket? {
        guard let header = try FixedHeader.peek(buffer, version: version, maximumPacketSize: maximumPacketSize),
            let body = buffer.getSlice(at: buffer.readerIndex &+ header.length, length: header.remainingLength)
        else { return nil }
        let packet = try decodeBody(header, WireReader(body), version: version)
        buffer.moveReaderIndex(forwardBy: header.packetLength)
        return packet
    }

    private static func decodeBody(
        _ header: FixedHeader, _ body: WireReader, version: MQTTVersion?
    ) throws(MQTTProtocolError) -> MQTTPacket {
        var reader = body
        if header.type == .connect {
            return .connect(try ConnectPacket.read(from: &reader))
        }
        // FixedHeader.peek refuses everything but CONNECT before the version is known.
        guard let version else { throw .protocolError("the first packet on a connection must be CONNECT") }
        switch header.type {
        case .connect:
            return .connect(try ConnectPacket.read(from: &reader))
        case .connack:
            return .connack(try ConnAckPacket.read(from: &reader, version: version))
        case .publish:
            return .publish(try PublishPacket.read(from: &reader, flags: header.flags, version: version))
        case .puback:
            return .ack(try AckPacket.read(.puback, from: &reader, version: version))
        case .pubrec:
            return .ack(try AckPacket.read(.pubrec, from: &reader, version: version))
        case .pubrel:
            return .ack(try AckPacket.read(.pubrel, from: &reader, version: version))
        case .pubcomp:
            return .ack(try AckPacket.read(.pubcomp, from: &reader, version: version))
        case .subscribe:
            return .subscribe(try SubscribePacket.read(from: &reader, version: version))
        case .suback:
            return .suback(try SubAckPacket.read(from: &reader, version: version))
        case .unsubscribe:
            return .unsubscribe(try UnsubscribePacket.read(from: &reader, version: version))
        case .unsuback:
            return .unsuback(try UnsubAckPacket.read(from: &reader, version: version))
        case .pingreq:
            try reader.expectEnd("PINGREQ")
            return .pingreq
        case .pingresp:
            try reader.expectEnd("PINGRESP")
            return .pingresp
        case .disconnect:
            return .disconnect(try DisconnectPacket.read(from: &reader, version: version))
        case .auth:
            return .auth(try AuthPacket.read(from: &reader))
        }
    }

    /// A non-zero packet identifier (MQTT 5 §2.2.1), which every packet that has one needs.
    static func readPacketID(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> UInt16 {
        let packetID = try reader.readUInt16("packet identifier")
        guard packetID != 0 else { throw .violation(version, "packet identifier is 0") }
        return packetID
    }
}
