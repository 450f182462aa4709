import NIOCore

/// Writers for MQTT's data representations (MQTT 5 §1.5).
///
/// Lengths that do not fit their prefix are a programming error, not a wire condition: every such
/// field that a broker relays came from a decoded packet and therefore already fits.
extension ByteBuffer {
    mutating func writeMQTTString(_ text: String) {
        let count = text.utf8.count
        precondition(count <= Int(UInt16.max), "an MQTT string holds at most 65535 bytes")
        writeInteger(UInt16(count))
        writeString(text)
    }

    mutating func writeMQTTBinary(_ bytes: [UInt8]) {
        precondition(bytes.count <= Int(UInt16.max), "MQTT binary data holds at most 65535 bytes")
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    mutating func writeMQTTBinary(_ bytes: ByteBuffer) {
        precondition(bytes.readableBytes <= Int(UInt16.max), "MQTT binary data holds at most 65535 bytes")
        writeInteger(UInt16(bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }

    mutating func writeVariableByteInteger(_ value: UInt32) {
        VariableByteInteger.write(value, into: &self)
    }
}
