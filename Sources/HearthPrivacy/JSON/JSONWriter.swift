/// Appends JSON text to a byte array: what minimization and aggregation write their output with,
/// straight into the bytes that are sent on (no intermediate values, no `String`s).
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always) public mutating func byte(_ byte: UInt8) { bytes.append(byte) }

    /// Bytes that are already JSON text (a value copied from a parsed text).
    @inline(__always) public mutating func raw(_ text: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: text) }

    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // MARK: strings

    /// A string, quoted, with only what RFC 8259 §7 requires escaped: `"`, `\` and controls (as
    /// their short escapes where there is one). Everything else, UTF-8 included, as it is.
    public mutating func string(_ value: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var plain = 0
        for index in value.indices {
            let byte = value[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: value[plain..<index]))
            plain = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            default:
                let hex: StaticString = "0123456789abcdef"
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: value[plain...]))
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func string(_ value: [UInt8]) {
        value.withUnsafeBufferPointer { string($0) }
    }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string($0) }
    }

    // MARK: numbers

    /// A double, shortest round-trip (`21.5`, `1e-07`). `integral` for what was written as an
    /// integer (or made of integers): written without the `.0` a double's description adds.
    public mutating func number(_ value: Double, integral: Bool = false) {
        viaSink { $0.number(value, integral: integral) }
    }

    public mutating func integer(_ value: Int64) {
        viaSink { $0.integer(value) }
    }
}
