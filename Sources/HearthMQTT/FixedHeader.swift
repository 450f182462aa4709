import NIOCore

/// The control packet types (MQTT 5 §2.1.2); 0 is reserved.
enum PacketType: UInt8 {
    case connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe, suback, unsubscribe, unsuback,
        pingreq, pingresp, disconnect, auth

    /// The flag bits the spec fixes for the type (MQTT 5 §2.1.3); PUBLISH uses them for its own fields.
    var requiredFlags: UInt8? {
        switch self {
        case .publish: nil
        case .pubrel, .subscribe, .unsubscribe: 0b0010
        default: 0
        }
    }
}

/// The first byte and the Remaining Length of a packet.
struct FixedHeader {
    var type: PacketType
    var flags: UInt8
    var remainingLength: Int
    /// Bytes the fixed header itself takes.
    var length: Int

    var packetLength: Int { length + remainingLength }

    /// Reads the fixed header at the front of `buffer` without consuming it, or returns nil if it has
    /// not all arrived. Everything that the header alone can prove wrong is refused here, before the
    /// body is waited for: a peer announcing a 256 MB packet is turned away after five bytes.
    static func peek(
        _ buffer: ByteBuffer, version: MQTTVersion?, maximumPacketSize: Int
    ) throws(MQTTProtocolError) -> FixedHeader? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let type = PacketType(rawValue: first >> 4) else {
            throw .malformed("packet type 0 is reserved")
        }
        guard version != nil || type == .connect else {
            throw .protocolError("the first packet on a connection must be CONNECT")
        }
        if type == .auth, version == .v311 {
            throw .malformed("packet type 15 is reserved in MQTT 3.1.1")
        }
        let flags = first & 0x0F
        if let required = type.requiredFlags, flags != required {
            throw .malformed("reserved flags of \(type) are \(flags), not \(required)")
        }
        if type == .publish {
            let qos = (flags >> 1) & 0b11
            guard qos != 3 else { throw .malformed("PUBLISH has QoS 3") }
            guard qos != 0 || flags & 0b1000 == 0 else { throw .malformed("QoS 0 PUBLISH has DUP set") }
        }
        switch try VariableByteInteger.scan(buffer, at: buffer.readerIndex &+ 1) {
        case .incomplete(let lowerBound, let bytesSeen):
            // The length field has at least one more byte than seen so far.
            if 1 + bytesSeen + 1 + Int(lowerBound) > maximumPacketSize {
                throw MQTTProtocolError(.packetTooLarge, "packet exceeds the maximum packet size")
            }
            return nil
        case .complete(let value, let length):
            let header = FixedHeader(type: type, flags: flags, remainingLength: Int(value), length: 1 + length)
            if header.packetLength > maximumPacketSize {
                throw MQTTProtocolError(
                    .packetTooLarge, "packet of \(header.packetLength) bytes exceeds the maximum of \(maximumPacketSize)")
            }
            return header
        }
    }
}
