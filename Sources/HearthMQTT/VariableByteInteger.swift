import NIOCore

/// The 1-to-4-byte little-endian base-128 integer of MQTT (3.1.1 §2.2.3, 5 §1.5.5).
enum VariableByteInteger {
    static let maximum: UInt32 = 268_435_455

    enum Scan: Equatable {
        case complete(value: UInt32, length: Int)
        /// The bytes seen so far continue; the value is at least `lowerBound`, which lets the fixed
        /// header refuse an oversized packet before the rest of its length even arrives.
        case incomplete(lowerBound: UInt32, bytesSeen: Int)
    }

    /// Reads without consuming. Refuses a fifth byte and non-minimal encodings (a trailing zero group),
    /// which MQTT 5 §1.5.5 forbids and which would let one value have several encodings.
    static func scan(_ buffer: ByteBuffer, at index: Int) throws(MQTTProtocolError) -> Scan {
        var value: UInt32 = 0
        var multiplier: UInt32 = 1
        for position in 0..<4 {
            guard let byte = buffer.getInteger(at: index &+ position, as: UInt8.self) else {
                // A minimal encoding's next group is non-zero, so it adds at least `multiplier`.
                return .incomplete(lowerBound: position == 0 ? 0 : value + multiplier, bytesSeen: position)
            }
            value += UInt32(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                if position > 0, byte == 0 {
                    throw .malformed("variable byte integer is not minimally encoded")
                }
                return .complete(value: value, length: position + 1)
            }
            multiplier *= 128
        }
        throw .malformed("variable byte integer is longer than 4 bytes")
    }

    static func encodedLength(_ value: UInt32) -> Int {
        switch value {
        case 0..<128: 1
        case 128..<16_384: 2
        case 16_384..<2_097_152: 3
        default: 4
        }
    }

    static func write(_ value: UInt32, into buffer: inout ByteBuffer) {
        precondition(value <= maximum, "\(value) does not fit a variable byte integer")
        var rest = value
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while rest > 0
    }
}
