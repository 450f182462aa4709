import NIOCore

extension MQTTCodec {
    /// Appends the packet's bytes to `buffer`.
    ///
    /// On a 3.1.1 connection reason codes take their 3.1.1 forms: CONNACK return codes 0–5 (every
    /// failure without a counterpart becomes 5, not authorized), SUBACK 0, 1, 2 or 0x80, and none
    /// elsewhere; properties are never written. Properties a packet type may not carry are dropped, so
    /// properties copied from another packet cannot produce one the peer must refuse.
    ///
    /// A CONNECT is encoded by its own ``ConnectPacket/version``. AUTH has no 3.1.1 form, so asking for
    /// one writes nothing. Strings and binary fields over 65535 bytes, and packets over 256 MB, are
    /// programming errors and trap.
    public static func encode(_ packet: MQTTPacket, version: MQTTVersion, into buffer: inout ByteBuffer) {
        encode(packet, copy: nil, version: version, into: &buffer)
    }

    /// Appends a PUBLISH as a broker sends one copy of a message: with `copy`'s values in place
    /// of the packet's own properties (the same bytes as the packet with
    /// ``PublishCopyProperties/applied(to:)``'s properties).
    public static func encode(_ publish: PublishPacket, copy: PublishCopyProperties, version: MQTTVersion, into buffer: inout ByteBuffer) {
        encode(.publish(publish), copy: copy, version: version, into: &buffer)
    }

    private static func encode(_ packet: MQTTPacket, copy: PublishCopyProperties?, version: MQTTVersion, into buffer: inout ByteBuffer) {
        // The body is written in place, after room for the longest Remaining Length, and moved up
        // against the fixed header once its length is known: no buffer of its own per packet.
        let start = buffer.writerIndex
        buffer.writeRepeatingByte(0, count: 1 + Self.longestRemainingLength)
        let bodyStart = buffer.writerIndex
        var payload: ByteBuffer?
        let typeAndFlags: UInt8
        switch packet {
        case .connect(let connect):
            typeAndFlags = PacketType.connect.firstByte
            connect.write(into: &buffer)
        case .connack(let connack):
            typeAndFlags = PacketType.connack.firstByte
            connack.write(into: &buffer, version: version)
        case .publish(let publish):
            typeAndFlags = PacketType.publish.rawValue << 4 | publish.flags
            publish.writeVariableHeader(into: &buffer, version: version, copy: copy)
            payload = publish.payload
        case .ack(let ack):
            typeAndFlags = ack.kind.packetType.firstByte
            ack.write(into: &buffer, version: version)
        case .subscribe(let subscribe):
            typeAndFlags = PacketType.subscribe.firstByte
            subscribe.write(into: &buffer, version: version)
        case .suback(let suback):
            typeAndFlags = PacketType.suback.firstByte
            suback.write(into: &buffer, version: version)
        case .unsubscribe(let unsubscribe):
            typeAndFlags = PacketType.unsubscribe.firstByte
            unsubscribe.write(into: &buffer, version: version)
        case .unsuback(let unsuback):
            typeAndFlags = PacketType.unsuback.firstByte
            unsuback.write(into: &buffer, version: version)
        case .pingreq:
            typeAndFlags = PacketType.pingreq.firstByte
        case .pingresp:
            typeAndFlags = PacketType.pingresp.firstByte
        case .disconnect(let disconnect):
            typeAndFlags = PacketType.disconnect.firstByte
            disconnect.write(into: &buffer, version: version)
        case .auth(let auth):
            guard version == .v5 else {
                buffer.moveWriterIndex(to: start)
                return
            }
            typeAndFlags = PacketType.auth.firstByte
            auth.write(into: &buffer)
        }
        let bodyLength = buffer.writerIndex - bodyStart
        let remainingLength = bodyLength + (payload?.readableBytes ?? 0)
        precondition(remainingLength <= Int(VariableByteInteger.maximum), "packet exceeds MQTT's 256 MB limit")
        let headerLength = 1 + VariableByteInteger.encodedLength(UInt32(remainingLength))
        if bodyLength > 0, start + headerLength != bodyStart {
            _ = try! buffer.copyBytes(at: bodyStart, to: start + headerLength, length: bodyLength)  // in bounds by construction
        }
        buffer.moveWriterIndex(to: start)
        buffer.writeInteger(typeAndFlags)
        buffer.writeVariableByteInteger(UInt32(remainingLength))
        buffer.moveWriterIndex(forwardBy: bodyLength)
        if let payload { buffer.writeImmutableBuffer(payload) }
    }

    private static let longestRemainingLength = 4

    /// The packet's bytes in a fresh buffer.
    public static func encode(_ packet: MQTTPacket, version: MQTTVersion) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(packet, version: version, into: &buffer)
        return buffer
    }
}

extension PacketType {
    /// The first byte of a packet whose flags the spec fixes.
    var firstByte: UInt8 { rawValue << 4 | (requiredFlags ?? 0) }
}

extension AckKind {
    var packetType: PacketType {
        switch self {
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        }
    }
}
