import NIOCore

extension ConnectPacket {
    private static let protocolName = "MQTT"

    private enum Flag {
        static let username: UInt8 = 0x80
        static let password: UInt8 = 0x40
        static let willRetain: UInt8 = 0x20
        static let willQoSShift: UInt8 = 3
        static let will: UInt8 = 0x04
        static let cleanStart: UInt8 = 0x02
        static let reserved: UInt8 = 0x01
    }

    /// MQTT 3.1.1 §3.1 and 5 §3.1, version taken from the packet itself.
    static func read(from reader: inout WireReader) throws(MQTTProtocolError) -> ConnectPacket {
        let name = try reader.readString("protocol name")
        let level = try reader.readByte("protocol level")
        // MQTT 3.1 ("MQIsdp", level 3) lands here: with this code a broker can answer in a form old clients read.
        guard name == protocolName else {
            throw MQTTProtocolError(.unsupportedProtocolVersion, "protocol name is not MQTT")
        }
        guard let version = MQTTVersion(rawValue: level) else {
            throw MQTTProtocolError(.unsupportedProtocolVersion, "protocol level \(level) is not supported")
        }
        let flags = try reader.readByte("connect flags")
        guard flags & Flag.reserved == 0 else { throw .malformed("reserved connect flag is set") }
        let hasWill = flags & Flag.will != 0
        let willQoSBits = (flags >> Flag.willQoSShift) & 0b11
        let willRetain = flags & Flag.willRetain != 0
        guard hasWill || (willQoSBits == 0 && !willRetain) else {
            throw .malformed("will QoS or retain set without the will flag")
        }
        guard let willQoS = QoS(rawValue: willQoSBits) else { throw .malformed("will QoS is 3") }
        let hasUsername = flags & Flag.username != 0
        let hasPassword = flags & Flag.password != 0
        if version == .v311, hasPassword, !hasUsername {
            throw .malformed("password flag set without the user name flag")
        }
        let keepAlive = try reader.readUInt16("keep alive")
        let properties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .connect) : .none
        guard properties.authenticationData == nil || properties.authenticationMethod != nil else {
            throw .protocolError("authentication data without an authentication method")
        }

        let clientID = try reader.readString("client identifier")
        var will: Will?
        if hasWill {
            let willProperties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .will) : .none
            let topic = try reader.readString("will topic")
            try TopicName.validate(topic)
            let payload = try reader.readPrefixed("will payload")
            will = Will(topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        }
        let username = try hasUsername ? reader.readString("user name") : nil
        let password = try hasPassword ? reader.readBinary("password") : nil
        try reader.expectEnd("CONNECT")
        return ConnectPacket(
            version: version, clientID: clientID, cleanStart: flags & Flag.cleanStart != 0, keepAlive: keepAlive,
            username: username, password: password, will: will, properties: properties)
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeMQTTString(Self.protocolName)
        buffer.writeInteger(version.rawValue)
        var flags: UInt8 = cleanStart ? Flag.cleanStart : 0
        if let will {
            flags |= Flag.will | (will.qos.rawValue << Flag.willQoSShift) | (will.retain ? Flag.willRetain : 0)
        }
        if username != nil { flags |= Flag.username }
        if password != nil { flags |= Flag.password }
        buffer.writeInteger(flags)
        buffer.writeInteger(keepAlive)
        if version == .v5 { properties.write(into: &buffer, allowed: .connect) }
        buffer.writeMQTTString(clientID)
        if let will {
            if version == .v5 { will.properties.write(into: &buffer, allowed: .will) }
            buffer.writeMQTTString(will.topic)
            buffer.writeMQTTBinary(will.payload)
        }
        if let username { buffer.writeMQTTString(username) }
        if let password { buffer.writeMQTTBinary(password) }
    }
}

extension ConnAckPacket {
    /// MQTT 3.1.1 §3.2 and 5 §3.2.
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> ConnAckPacket {
        let flags = try reader.readByte("connect acknowledge flags")
        guard flags & 0xFE == 0 else { throw .malformed("reserved connect acknowledge flags are set") }
        let code = try reader.readByte("connect reason code")
        let reasonCode: ReasonCode
        let properties: MQTTProperties
        switch version {
        case .v311:
            guard let mapped = ReasonCode(v311ConnectReturnCode: code) else {
                throw .malformed("connect return code \(code) is reserved")
            }
            reasonCode = mapped
            properties = .none
        case .v5:
            reasonCode = ReasonCode(rawValue: code)
            guard ReasonCode.connAckCodes.contains(reasonCode) else {
                throw .malformed("reason code \(reasonCode) is not valid in CONNACK")
            }
            properties = try MQTTProperties.read(from: &reader, allowed: .connAck)
        }
        let sessionPresent = flags & 0x01 != 0
        guard !sessionPresent || reasonCode == .success else {
            throw .violation(version, "session present on a refused connection")
        }
        try reader.expectEnd("CONNACK")
        return ConnAckPacket(sessionPresent: sessionPresent, reasonCode: reasonCode, properties: properties)
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        let code = version == .v5 ? reasonCode.rawValue : reasonCode.v311ConnectReturnCode
        // A refused connection has no session, and both versions require the flag clear then.
        buffer.writeInteger(UInt8(sessionPresent && code == 0 ? 1 : 0))
        buffer.writeInteger(code)
        if version == .v5 { properties.write(into: &buffer, allowed: .connAck) }
    }
}
