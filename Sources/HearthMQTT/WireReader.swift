import NIOCore

/// Reads the body of one packet whose bytes are all present.
///
/// Every read that runs past the body throws Malformed Packet, so a length field can never make the
/// decoder read another packet's bytes or allocate more than the packet holds. `what` names the field
/// in the error detail; it is an autoclosure so that a name built by interpolation costs nothing
/// unless the packet is malformed (when every PUBACK built one, that was 8 % of the broker's
/// user-space time in a profile).
struct WireReader {
    private var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    var isAtEnd: Bool { buffer.readableBytes == 0 }

    mutating func readByte(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw .malformed("\(what()) is missing") }
        return value
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> UInt16 {
        guard let value = buffer.readInteger(as: UInt16.self) else { throw .malformed("\(what()) is missing") }
        return value
    }

    mutating func readUInt32(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> UInt32 {
        guard let value = buffer.readInteger(as: UInt32.self) else { throw .malformed("\(what()) is missing") }
        return value
    }

    mutating func readVariableByteInteger(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> UInt32 {
        guard case .complete(let value, let length) = try VariableByteInteger.scan(buffer, at: buffer.readerIndex)
        else { throw .malformed("\(what()) is cut short") }
        buffer.moveReaderIndex(forwardBy: length)
        return value
    }

    /// A UTF-8 Encoded String (MQTT 5 §1.5.4): valid UTF-8, no surrogates, no U+0000.
    mutating func readString(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> String {
        let bytes = try readPrefixed(what())
        // One pass over the raw bytes: topics are nearly always ASCII, which needs no further
        // validation, and the generic validating initializer cost as much as the rest of a
        // PUBLISH's decoding.
        let (hasZero, text) = bytes.withUnsafeReadableBytes { raw -> (Bool, String?) in
            var ascii = true
            for byte in raw {
                if byte == 0 { return (true, nil) }
                if byte >= 0x80 { ascii = false }
            }
            return (false, ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self))
        }
        guard !hasZero else { throw .malformed("\(what()) contains U+0000") }
        guard let text else { throw .malformed("\(what()) is not valid UTF-8") }
        return text
    }

    /// Binary Data (MQTT 5 §1.5.6).
    mutating func readBinary(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> [UInt8] {
        Array(try readPrefixed(what()).readableBytesView)
    }

    /// Binary Data kept as a slice, for payloads that are passed on rather than inspected.
    mutating func readPrefixed(_ what: @autoclosure () -> String) throws(MQTTProtocolError) -> ByteBuffer {
        let length = Int(try readUInt16("length of \(what())"))
        guard let bytes = buffer.readSlice(length: length) else {
            throw .malformed("\(what()) runs past the end of the packet")
        }
        return bytes
    }

    /// The next `length` bytes as their own reader, so a section (the properties) cannot overrun.
    mutating func readSection(length: Int, _ what: @autoclosure () -> String) throws(MQTTProtocolError) -> WireReader {
        guard let bytes = buffer.readSlice(length: length) else {
            throw .malformed("\(what()) run past the end of the packet")
        }
        return WireReader(bytes)
    }

    mutating func readRest() -> ByteBuffer {
        buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
    }

    func expectEnd(_ what: @autoclosure () -> String) throws(MQTTProtocolError) {
        guard isAtEnd else { throw .malformed("\(what()) has \(buffer.readableBytes) unexpected trailing bytes") }
    }
}
