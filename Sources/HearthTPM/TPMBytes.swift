import HearthCore

/// Big-endian marshaling of TPM 2.0 structures (TPM 2.0 Part 2): the writer for commands, the
/// reader for responses. A reader that runs out of bytes throws; nothing here trusts a length.
struct TPMWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }
    mutating func u32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
    /// A TPM2B: a 16-bit size, then the bytes.
    mutating func sized(_ value: [UInt8]) {
        u16(UInt16(value.count))
        bytes += value
    }
    /// A TPM2B whose contents another writer makes.
    mutating func sized(_ build: (inout TPMWriter) -> Void) {
        var inner = TPMWriter()
        build(&inner)
        sized(inner.bytes)
    }
}

struct TPMReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw TPMError.malformedResponse }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u16() throws -> UInt16 { try take(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func sized() throws -> [UInt8] { Array(try take(Int(try u16()))) }
}

/// What went wrong talking to a TPM, with what an operator can act on.
public enum TPMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TPM answered a command with this response code (TPM 2.0 Part 2, TPM_RC).
    case refused(command: String, code: UInt32)
    case malformedResponse
    case unreachable(String)

    public var description: String {
        switch self {
        case .refused(let command, let code): "the TPM refused \(command): response code 0x\(String(code, radix: 16))"
        case .malformedResponse: "the TPM's response is malformed"
        case .unreachable(let reason): "cannot reach the TPM: \(reason)"
        }
    }
}
