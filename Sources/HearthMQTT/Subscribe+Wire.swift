import NIOCore

extension SubscribePacket {
    /// MQTT 3.1.1 §3.8 and 5 §3.8.
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> SubscribePacket {
        let packetID = try MQTTCodec.readPacketID(from: &reader, version: version)
        let properties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .subscribe) : .none
        guard properties.subscriptionIdentifiers.count <= 1 else {
            throw .protocolError("SUBSCRIBE has more than one subscription identifier")
        }
        guard !reader.isAtEnd else { throw .protocolError("SUBSCRIBE has no subscriptions") }
        var subscriptions: [Subscription] = []
        while !reader.isAtEnd {
            let filter = try reader.readString("topic filter")
            let options = try reader.readByte("subscription options")
            let subscription = try Subscription(filter: filter, options: options, version: version)
            try validateFilter(filter, version: version, noLocal: subscription.noLocal)
            subscriptions.append(subscription)
        }
        return SubscribePacket(packetID: packetID, subscriptions: subscriptions, properties: properties)
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        buffer.writeInteger(packetID)
        if version == .v5 { properties.write(into: &buffer, allowed: .subscribe) }
        for subscription in subscriptions {
            buffer.writeMQTTString(subscription.filter)
            buffer.writeInteger(subscription.options(version: version))
        }
    }
}

/// Filters are checked in the codec rather than left to the broker because a filter that is not well
/// formed makes the whole packet bad (MQTT 5 §4.7); refusing a well-formed one is the broker's SUBACK.
private func validateFilter(_ filter: String, version: MQTTVersion, noLocal: Bool) throws(MQTTProtocolError) {
    if version == .v5, try SharedTopicFilter(filter) != nil {
        // MQTT 5 §3.8.3.1: No Local means nothing on a shared subscription, so asking for it is an error.
        guard !noLocal else { throw .protocolError("No Local is set on a shared subscription") }
    } else {
        _ = try TopicFilter(filter)
    }
}

extension Subscription {
    init(filter: String, options: UInt8, version: MQTTVersion) throws(MQTTProtocolError) {
        let reservedBits: UInt8 = version == .v5 ? 0b1100_0000 : 0b1111_1100
        guard options & reservedBits == 0 else { throw .malformed("reserved subscription option bits are set") }
        guard let qos = QoS(rawValue: options & 0b11) else { throw .malformed("subscription QoS is 3") }
        guard let retainHandling = RetainHandling(rawValue: (options >> 4) & 0b11) else {
            throw .malformed("retain handling is 3")
        }
        self.init(
            filter: filter, qos: qos, noLocal: options & 0b0100 != 0, retainAsPublished: options & 0b1000 != 0,
            retainHandling: retainHandling)
    }

    func options(version: MQTTVersion) -> UInt8 {
        guard version == .v5 else { return qos.rawValue }
        var options = qos.rawValue | retainHandling.rawValue << 4
        if noLocal { options |= 0b0100 }
        if retainAsPublished { options |= 0b1000 }
        return options
    }
}

extension SubAckPacket {
    /// MQTT 3.1.1 §3.9 and 5 §3.9.
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> SubAckPacket {
        let packetID = try MQTTCodec.readPacketID(from: &reader, version: version)
        let properties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .ack) : .none
        guard !reader.isAtEnd else { throw .protocolError("SUBACK has no reason codes") }
        var reasonCodes: [ReasonCode] = []
        while !reader.isAtEnd {
            let code = try reader.readByte("SUBACK reason code")
            switch version {
            case .v311:
                guard let reasonCode = ReasonCode(v311SubscribeReturnCode: code) else {
                    throw .malformed("SUBACK return code \(code) is reserved")
                }
                reasonCodes.append(reasonCode)
            case .v5:
                let reasonCode = ReasonCode(rawValue: code)
                guard ReasonCode.subAckCodes.contains(reasonCode) else {
                    throw .malformed("reason code \(reasonCode) is not valid in SUBACK")
                }
                reasonCodes.append(reasonCode)
            }
        }
        return SubAckPacket(packetID: packetID, reasonCodes: reasonCodes, properties: properties)
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        buffer.writeInteger(packetID)
        if version == .v5 { properties.write(into: &buffer, allowed: .ack) }
        for reasonCode in reasonCodes {
            buffer.writeInteger(version == .v5 ? reasonCode.rawValue : reasonCode.v311SubscribeReturnCode)
        }
    }
}

extension UnsubscribePacket {
    /// MQTT 3.1.1 §3.10 and 5 §3.10.
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> UnsubscribePacket {
        let packetID = try MQTTCodec.readPacketID(from: &reader, version: version)
        let properties = try version == .v5 ? MQTTProperties.read(from: &reader, allowed: .unsubscribe) : .none
        guard !reader.isAtEnd else { throw .protocolError("UNSUBSCRIBE has no topic filters") }
        var filters: [String] = []
        while !reader.isAtEnd {
            let filter = try reader.readString("topic filter")
            try validateFilter(filter, version: version, noLocal: false)
            filters.append(filter)
        }
        return UnsubscribePacket(packetID: packetID, filters: filters, properties: properties)
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        buffer.writeInteger(packetID)
        if version == .v5 { properties.write(into: &buffer, allowed: .unsubscribe) }
        for filter in filters { buffer.writeMQTTString(filter) }
    }
}

extension UnsubAckPacket {
    /// MQTT 3.1.1 §3.11 (packet identifier only) and 5 §3.11.
    static func read(from reader: inout WireReader, version: MQTTVersion) throws(MQTTProtocolError) -> UnsubAckPacket {
        let packetID = try MQTTCodec.readPacketID(from: &reader, version: version)
        guard version == .v5 else {
            try reader.expectEnd("UNSUBACK")
            return UnsubAckPacket(packetID: packetID)
        }
        let properties = try MQTTProperties.read(from: &reader, allowed: .ack)
        guard !reader.isAtEnd else { throw .protocolError("UNSUBACK has no reason codes") }
        var reasonCodes: [ReasonCode] = []
        while !reader.isAtEnd {
            let reasonCode = ReasonCode(rawValue: try reader.readByte("UNSUBACK reason code"))
            guard ReasonCode.unsubAckCodes.contains(reasonCode) else {
                throw .malformed("reason code \(reasonCode) is not valid in UNSUBACK")
            }
            reasonCodes.append(reasonCode)
        }
        return UnsubAckPacket(packetID: packetID, reasonCodes: reasonCodes, properties: properties)
    }

    func write(into buffer: inout ByteBuffer, version: MQTTVersion) {
        buffer.writeInteger(packetID)
        guard version == .v5 else { return }
        properties.write(into: &buffer, allowed: .ack)
        for reasonCode in reasonCodes { buffer.writeInteger(reasonCode.rawValue) }
    }
}
