import NIOCore

extension DisconnectPacket {
    /// MQTT 3.1.1 §3.14 (no body) and 5 §3.14 (reason code and properties, each omissible from the end).
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> DisconnectPacket {
        var packet = DisconnectPacket()
        if version == .v5 {
            (packet.reasonCode, packet.properties) = try readReasonAndProperties(
                from: &reader, codes: ReasonCode.disconnectCodes, allowed: .disconnect)
        }
        try reader.expectEnd("DISCONNECT")
        return packet
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        guard version == .v5 else { return }
        writeReasonAndProperties(reasonCode, properties, allowed: .disconnect, into: &buffer)
    }
}

extension AuthPacket {
    /// MQTT 5 §3.15; the fixed header has already refused type 15 on a 3.1.1 connection.
    static func read(from reader: inout WireReader) throws(MQTTProtocolError) -> AuthPacket {
        var packet = AuthPacket()
        (packet.reasonCode, packet.properties) = try readReasonAndProperties(
            from: &reader, codes: ReasonCode.authCodes, allowed: .auth)
        try reader.expectEnd("AUTH")
        return packet
    }

    func write(into buffer: inout ByteBuffer) {
        writeReasonAndProperties(reasonCode, properties, allowed: .auth, into: &buffer)
    }
}

/// DISCONNECT and AUTH share a body: an empty one means success without properties, and a reason code
/// alone means no properties.
private func readReasonAndProperties(
    from reader: inout WireReader, codes: Set<ReasonCode>, allowed: PropertySet
) throws(MQTTProtocolError) -> (ReasonCode, MQTTProperties) {
    guard !reader.isAtEnd else { return (.success, .none) }
    let reasonCode = ReasonCode(rawValue: try reader.readByte("reason code"))
    guard codes.contains(reasonCode) else {
        throw .malformed("reason code \(reasonCode) is not valid in \(allowed.name)")
    }
    guard !reader.isAtEnd else { return (reasonCode, .none) }
    return (reasonCode, try MQTTProperties.read(from: &reader, allowed: allowed))
}

private func writeReasonAndProperties(
    _ reasonCode: ReasonCode, _ properties: MQTTProperties, allowed: PropertySet, into buffer: inout ByteBuffer
) {
    let encoded = properties.encoded(allowed: allowed)
    guard reasonCode != .success || encoded.readableBytes > 0 else { return }
    buffer.writeInteger(reasonCode.rawValue)
    guard encoded.readableBytes > 0 else { return }
    buffer.writeVariableByteInteger(UInt32(encoded.readableBytes))
    buffer.writeImmutableBuffer(encoded)
}
