import NIOCore

extension PublishPacket {
    /// MQTT 3.1.1 §3.3 and 5 §3.3. The fixed header has already refused QoS 3 and DUP at QoS 0.
    static func read(
        from reader: inout WireReader, flags: UInt8, version: MQTTVersion
    ) throws(MQTTProtocolError) -> PublishPacket {
        guard let qos = QoS(rawValue: (flags >> 1) & 0b11) else { throw .malformed("PUBLISH has QoS 3") }
        let topic = try reader.readString("topic name")
        let packetID = try qos == .atMostOnce ? nil : MQTTCodec.readPacketID(from: &reader, version: version)
        let properties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .publish) : .none
        if topic.isEmpty {
            switch version {
            case .v311: throw MQTTProtocolError(.topicNameInvalid, "PUBLISH topic name is empty")
            case .v5:
                guard properties.topicAlias != nil else {
                    throw .protocolError("PUBLISH has neither a topic name nor a topic alias")
                }
            }
        } else {
            try TopicName.validate(topic)
        }
        return PublishPacket(
            topic: topic, payload: reader.readRest(), qos: qos, retain: flags & 0b0001 != 0,
            dup: flags & 0b1000 != 0, packetID: packetID, properties: properties)
    }

    var flags: UInt8 {
        var flags = qos.rawValue << 1
        if retain { flags |= 0b0001 }
        if dup, qos != .atMostOnce { flags |= 0b1000 }
        return flags
    }

    /// Everything but the payload, which the encoder appends without copying it into a scratch buffer.
    func writeVariableHeader(into buffer: inout ByteBuffer, version: MQTTVersion, copy: PublishCopyProperties?) {
        buffer.writeMQTTString(topic)
        // A missing identifier at QoS > 0 is a caller bug; 0 makes the peer refuse the packet loudly.
        if qos != .atMostOnce { buffer.writeInteger(packetID ?? 0) }
        if version == .v5 { properties.write(into: &buffer, allowed: .publish, copy: copy) }
    }
}

extension AckPacket {
    /// MQTT 3.1.1 §3.4–§3.7 and 5 §3.4–§3.7. MQTT 5 lets the sender drop a success code and empty
    /// properties, so the body is 2, 3 or 4+ bytes.
    static func read(
        _ kind: AckKind, from reader: inout WireReader, version: MQTTVersion
    ) throws(MQTTProtocolError) -> AckPacket {
        let packetID = try MQTTCodec.readPacketID(from: &reader, version: version)
        var ack = AckPacket(kind, packetID: packetID)
        if version == .v5, !reader.isAtEnd {
            ack.reasonCode = ReasonCode(rawValue: try reader.readByte("reason code"))
            guard ReasonCode.ackCodes(kind).contains(ack.reasonCode) else {
                throw .malformed("reason code \(ack.reasonCode) is not valid in \(kind)")
            }
            if !reader.isAtEnd {
                ack.properties = try MQTTProperties.read(from: &reader, allowed: .ack)
            }
        }
        try reader.expectEnd("\(kind)")
        return ack
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        buffer.writeInteger(packetID)
        guard version == .v5 else { return }
        let encoded = properties.encoded(allowed: .ack)
        guard reasonCode != .success || encoded.readableBytes > 0 else { return }
        buffer.writeInteger(reasonCode.rawValue)
        guard encoded.readableBytes > 0 else { return }
        buffer.writeVariableByteInteger(UInt32(encoded.readableBytes))
        buffer.writeImmutableBuffer(encoded)
    }
}
