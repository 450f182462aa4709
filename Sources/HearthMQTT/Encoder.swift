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
        var body = ByteBuffer()
        var payload: ByteBuffer?
        let typeAndFlags: UInt8
        switch packet {
        case .connect(let connect):
            typeAndFlags = PacketType.connect.firstByte
            connect.write(into: &body)
        case .connack(let connack):
            typeAndFlags = PacketType.connack.firstByte
            connack.write(into: &body, version: version)
        case .publish(let publish):
            typeAndFlags = PacketType.publish.rawValue << 4 | publish.flags
            publish.writeVariableHeader(into: &body, version: version)
            payload = publish.payload
        case .ack(let ack):
            typeAndFlags = ack.kind.packetType.firstByte
            ack.write(into: &body, version: version)
        case .subscribe(let subscribe):
            typeAndFlags = PacketType.subscribe.firstByte
            subscribe.write(into: &body, version: version)
        case .suback(let suback):
            typeAndFlags = PacketType.suback.firstByte
            suback.write(into: &body, version: version)
        case .unsubscribe(let unsubscribe):
            typeAndFlags = PacketType.unsubscribe.firstByte
            unsubscribe.write(into: &body, version: version)
        case .unsuback(let unsuback):
            typeAndFlags = PacketType.unsuback.firstByte
            unsuback.write(into: &body, version: version)
        case .pingreq:
            typeAndFlags = PacketType.pingreq.firstByte
        case .pingresp:
            typeAndFlags = PacketType.pingresp.firstByte
        case .disconnect(let disconnect):
            typeAndFlags = PacketType.disconnect.firstByte
            disconnect.write(into: &body, version: version)
        case .auth(let auth):
            guard version == .v5 else { return }
            typeAndFlags = PacketType.auth.firstByte
            auth.write(into: &body)
        }
        let remainingLength = body.readableBytes + (payload?.readableBytes ?? 0)
        precondition(remainingLength <= Int(VariableByteInteger.maximum), "packet exceeds MQTT's 256 MB limit")
        buffer.writeInteger(typeAndFlags)
        buffer.writeVariableByteInteger(UInt32(remainingLength))
        buffer.writeBuffer(&body)
        if let payload { buffer.writeImmutableBuffer(payload) }
    }

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
