import NIOCore

extension MQTTProperties {
    /// Reads a property length and the properties it covers (MQTT 5 §2.2.2).
    ///
    /// A property the packet may not carry is Malformed; a second copy of a single-valued one, or a
    /// value outside its range, is a Protocol Error, as the spec's per-property text says.
    static func read(from reader: inout WireReader, allowed: PropertySet) throws(MQTTProtocolError) -> MQTTProperties {
        let length = try reader.readVariableByteInteger("\(allowed.name) property length")
        var section = try reader.readSection(length: Int(length), "\(allowed.name) properties")
        var values = Values()
        var seen: UInt64 = 0
        while !section.isAtEnd {
            let raw = try section.readVariableByteInteger("property identifier")
            guard raw <= UInt32(UInt8.max), let identifier = PropertyIdentifier(rawValue: UInt8(raw)) else {
                throw .malformed("unknown property identifier \(raw) in \(allowed.name)")
            }
            guard allowed.contains(identifier) else {
                throw .malformed("property \(identifier) is not allowed in \(allowed.name)")
            }
            if !identifier.isRepeatable {
                guard seen & identifier.bit == 0 else {
                    throw .protocolError("property \(identifier) appears twice in \(allowed.name)")
                }
                seen |= identifier.bit
            }
            try values.readValue(of: identifier, from: &section)
        }
        return MQTTProperties(values)
    }

    /// Writes the property length and the properties `allowed` permits, in identifier order —
    /// with `copy`'s values in place of these where it has them. In place: the properties go after
    /// a one-byte length, moved up in the rare case their length needs more (128 bytes or over),
    /// instead of into a buffer of their own (an allocation per packet).
    func write(into buffer: inout ByteBuffer, allowed: PropertySet, copy: PublishCopyProperties? = nil) {
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        let start = buffer.writerIndex
        if let box {
            box.values.write(into: &buffer, allowed: allowed, copy)
        } else if let copy {
            Self.noValues.write(into: &buffer, allowed: allowed, copy)
        }
        let length = buffer.writerIndex - start
        let lengthBytes = VariableByteInteger.encodedLength(UInt32(length))
        if lengthBytes > 1 {
            _ = try! buffer.copyBytes(at: start, to: lengthAt + lengthBytes, length: length)  // in bounds by construction
        }
        buffer.moveWriterIndex(to: lengthAt)
        buffer.writeVariableByteInteger(UInt32(length))
        buffer.moveWriterIndex(forwardBy: length)
    }

    /// The properties without their length, so a packet can tell whether it may omit the section.
    func encoded(allowed: PropertySet) -> ByteBuffer {
        var out = ByteBuffer()
        box?.values.write(into: &out, allowed: allowed, nil)
        return out
    }
}

extension MQTTProperties.Values {
    fileprivate mutating func readValue(
        of identifier: PropertyIdentifier, from reader: inout WireReader
    ) throws(MQTTProtocolError) {
        func what() -> String { "property \(identifier)" }
        switch identifier {
        case .payloadFormatIndicator: payloadFormatIndicator = try Self.readFlag(what(), from: &reader)
        case .messageExpiryInterval: messageExpiryInterval = try reader.readUInt32(what())
        case .contentType: contentType = try reader.readString(what())
        case .responseTopic:
            let topic = try reader.readString(what())
            try TopicName.validate(topic)
            responseTopic = topic
        case .correlationData: correlationData = try reader.readBinary(what())
        case .subscriptionIdentifier:
            let value = try reader.readVariableByteInteger(what())
            guard value != 0 else { throw .protocolError("subscription identifier is 0") }
            subscriptionIdentifiers.append(value)
        case .sessionExpiryInterval: sessionExpiryInterval = try reader.readUInt32(what())
        case .assignedClientIdentifier: assignedClientIdentifier = try reader.readString(what())
        case .serverKeepAlive: serverKeepAlive = try reader.readUInt16(what())
        case .authenticationMethod: authenticationMethod = try reader.readString(what())
        case .authenticationData: authenticationData = try reader.readBinary(what())
        case .requestProblemInformation: requestProblemInformation = try Self.readFlag(what(), from: &reader)
        case .willDelayInterval: willDelayInterval = try reader.readUInt32(what())
        case .requestResponseInformation: requestResponseInformation = try Self.readFlag(what(), from: &reader)
        case .responseInformation: responseInformation = try reader.readString(what())
        case .serverReference: serverReference = try reader.readString(what())
        case .reasonString: reasonString = try reader.readString(what())
        case .receiveMaximum: receiveMaximum = try Self.readNonZero(what(), from: &reader)
        case .topicAliasMaximum: topicAliasMaximum = try reader.readUInt16(what())
        case .topicAlias: topicAlias = try Self.readNonZero(what(), from: &reader)
        case .maximumQoS: maximumQoS = try Self.readFlag(what(), from: &reader)
        case .retainAvailable: retainAvailable = try Self.readFlag(what(), from: &reader) == 1
        case .userProperty:
            let name = try reader.readString("user property name")
            let value = try reader.readString("user property value")
            userProperties.append(UserProperty(name, value))
        case .maximumPacketSize:
            let value = try reader.readUInt32(what())
            guard value != 0 else { throw .protocolError("maximum packet size is 0") }
            maximumPacketSize = value
        case .wildcardSubscriptionAvailable: wildcardSubscriptionAvailable = try Self.readFlag(what(), from: &reader) == 1
        case .subscriptionIdentifiersAvailable:
            subscriptionIdentifiersAvailable = try Self.readFlag(what(), from: &reader) == 1
        case .sharedSubscriptionAvailable: sharedSubscriptionAvailable = try Self.readFlag(what(), from: &reader) == 1
        }
    }

    /// The byte properties that are switches (and Maximum QoS, which is 0 or 1) allow nothing else.
    private static func readFlag(_ what: @autoclosure () -> String, from reader: inout WireReader) throws(MQTTProtocolError) -> UInt8 {
        let value = try reader.readByte(what())
        guard value <= 1 else { throw .protocolError("\(what()) is \(value), not 0 or 1") }
        return value
    }

    private static func readNonZero(_ what: @autoclosure () -> String, from reader: inout WireReader) throws(MQTTProtocolError) -> UInt16 {
        let value = try reader.readUInt16(what())
        guard value != 0 else { throw .protocolError("\(what()) is 0") }
        return value
    }

    fileprivate func write(into out: inout ByteBuffer, allowed: PropertySet, _ copy: PublishCopyProperties?) {
        func put(_ identifier: PropertyIdentifier) -> Bool {
            guard allowed.contains(identifier) else { return false }
            out.writeInteger(identifier.rawValue)
            return true
        }
        if let value = payloadFormatIndicator, put(.payloadFormatIndicator) { out.writeInteger(value) }
        if let value = copy?.messageExpiryInterval ?? messageExpiryInterval, put(.messageExpiryInterval) { out.writeInteger(value) }
        if let value = contentType, put(.contentType) { out.writeMQTTString(value) }
        if let value = responseTopic, put(.responseTopic) { out.writeMQTTString(value) }
        if let value = correlationData, put(.correlationData) { out.writeMQTTBinary(value) }
        for value in copy?.subscriptionIdentifiers ?? subscriptionIdentifiers where put(.subscriptionIdentifier) {
            out.writeVariableByteInteger(value)
        }
        if let value = sessionExpiryInterval, put(.sessionExpiryInterval) { out.writeInteger(value) }
        if let value = assignedClientIdentifier, put(.assignedClientIdentifier) { out.writeMQTTString(value) }
        if let value = serverKeepAlive, put(.serverKeepAlive) { out.writeInteger(value) }
        if let value = authenticationMethod, put(.authenticationMethod) { out.writeMQTTString(value) }
        if let value = authenticationData, put(.authenticationData) { out.writeMQTTBinary(value) }
        if let value = requestProblemInformation, put(.requestProblemInformation) { out.writeInteger(value) }
        if let value = willDelayInterval, put(.willDelayInterval) { out.writeInteger(value) }
        if let value = requestResponseInformation, put(.requestResponseInformation) { out.writeInteger(value) }
        if let value = responseInformation, put(.responseInformation) { out.writeMQTTString(value) }
        if let value = serverReference, put(.serverReference) { out.writeMQTTString(value) }
        if let value = reasonString, put(.reasonString) { out.writeMQTTString(value) }
        if let value = receiveMaximum, put(.receiveMaximum) { out.writeInteger(value) }
        if let value = topicAliasMaximum, put(.topicAliasMaximum) { out.writeInteger(value) }
        if let value = topicAlias, put(.topicAlias) { out.writeInteger(value) }
        if let value = maximumQoS, put(.maximumQoS) { out.writeInteger(value) }
        if let value = retainAvailable, put(.retainAvailable) { out.writeInteger(UInt8(value ? 1 : 0)) }
        for property in userProperties where put(.userProperty) {
            out.writeMQTTString(property.name)
            out.writeMQTTString(property.value)
        }
        if let value = maximumPacketSize, put(.maximumPacketSize) { out.writeInteger(value) }
        if let value = wildcardSubscriptionAvailable, put(.wildcardSubscriptionAvailable) {
            out.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = subscriptionIdentifiersAvailable, put(.subscriptionIdentifiersAvailable) {
            out.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = sharedSubscriptionAvailable, put(.sharedSubscriptionAvailable) {
            out.writeInteger(UInt8(value ? 1 : 0))
        }
    }
}
