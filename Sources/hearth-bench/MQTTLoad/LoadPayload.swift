import HearthCommandLine
import NIOCore

/// The clock every timestamp of a run reads: CLOCK_MONOTONIC in nanoseconds (what NIO's
/// deadlines use), shared by every publisher and subscriber of this process.
enum LoadClock {
    @inline(__always)
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

/// What a load message's payload looks like (`--payload`).
enum LoadPayloadKind: String, Sendable, CaseIterable {
    /// The send time and sequence number as 16 binary bytes, then filler.
    case binary
    /// A JSON object of a metering device, padded to the size: what a telemetry flow checks and
    /// minimizes (docs/privacy.md). The stamp is in its members `t` and `seq`.
    case telemetry
}

/// A load message's payload, of one of two kinds:
///
/// - binary: the send time (8 bytes, big-endian monotonic ns), then the sequence number
///   (8 bytes: publisher index in the top 24 bits, its counter below), then filler up to the
///   payload size;
/// - telemetry: `{"t":<send time>,"seq":<sequence number>,"watts":1234.5,"at":1700000042,
///   "serial":"SN-0000000042","mac":"aa:bb:cc:dd:ee:ff","state":"on","pad":"xxx…"}`, the same
///   two numbers in decimal, `pad` sized so that the payload is exactly the payload size. The
///   receiver reads `t` and `seq` back wherever they are in the object and whatever a broker's
///   minimization did to the other members.
struct LoadPayload {
    static let minimumSize = 16
    private static let counterBits: UInt64 = 40
    private static let counterMask: UInt64 = (1 << counterBits) - 1

    private static let telemetryHead: [UInt8] = Array(#"{"t":"#.utf8)
    private static let telemetrySequence: [UInt8] = Array(#","seq":"#.utf8)
    private static let telemetryBody: [UInt8] = Array(
        #","watts":1234.5,"at":1700000042,"serial":"SN-0000000042","mac":"aa:bb:cc:dd:ee:ff","state":"on","pad":""#.utf8)
    private static let telemetryTail: [UInt8] = Array(#""}"#.utf8)

    /// The smallest payload of a kind: for telemetry, the object with both numbers at their
    /// longest (20 digits) and an empty pad.
    static func minimumSize(_ kind: LoadPayloadKind) -> Int {
        switch kind {
        case .binary: minimumSize
        case .telemetry:
            telemetryHead.count + 20 + telemetrySequence.count + 20 + telemetryBody.count + telemetryTail.count
        }
    }

    private(set) var buffer: ByteBuffer
    private let publisher: UInt64
    private let kind: LoadPayloadKind
    private let size: Int

    init(size: Int, publisher: Int, allocator: ByteBufferAllocator, kind: LoadPayloadKind = .binary) {
        precondition(size >= Self.minimumSize(kind))
        buffer = allocator.buffer(capacity: size)
        self.publisher = UInt64(publisher) << Self.counterBits
        self.kind = kind
        self.size = size
        switch kind {
        case .binary: buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size)
        case .telemetry: stamp(time: 0, counter: 0)
        }
    }

    /// Stamps the payload in place (no copy while no packet still holds the previous stamp).
    mutating func stamp(time: UInt64, counter: UInt64) {
        let sequence = publisher | (counter & Self.counterMask)
        switch kind {
        case .binary:
            buffer.setInteger(time, at: buffer.readerIndex)
            buffer.setInteger(sequence, at: buffer.readerIndex + 8)
        case .telemetry:
            buffer.clear()
            buffer.writeBytes(Self.telemetryHead)
            Self.writeDecimal(time, to: &buffer)
            buffer.writeBytes(Self.telemetrySequence)
            Self.writeDecimal(sequence, to: &buffer)
            buffer.writeBytes(Self.telemetryBody)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size - buffer.readableBytes - Self.telemetryTail.count)
            buffer.writeBytes(Self.telemetryTail)
        }
    }

    private static func writeDecimal(_ value: UInt64, to buffer: inout ByteBuffer) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor &*= 10 }
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    struct Stamp {
        let time: UInt64
        let publisher: Int
        let counter: UInt64
    }

    static func read(_ payload: ByteBuffer, kind: LoadPayloadKind = .binary) -> Stamp? {
        let time: UInt64, sequence: UInt64
        switch kind {
        case .binary:
            guard payload.readableBytes >= minimumSize,
                  let binaryTime = payload.getInteger(at: payload.readerIndex, as: UInt64.self),
                  let binarySequence = payload.getInteger(at: payload.readerIndex + 8, as: UInt64.self)
            else { return nil }
            (time, sequence) = (binaryTime, binarySequence)
        case .telemetry:
            guard let found = payload.withUnsafeReadableBytes({ bytes -> (UInt64, UInt64)? in
                guard let t = member(#""t""#, in: bytes), let seq = member(#""seq""#, in: bytes) else { return nil }
                return (t, seq)
            }) else { return nil }
            (time, sequence) = found
        }
        return Stamp(time: time, publisher: Int(sequence >> counterBits), counter: sequence & counterMask)
    }

    /// The unsigned integer value of the member `key` (quoted) of a flat JSON object, found by
    /// scanning for the quoted name followed by `:` (whitespace allowed around it). Good for the
    /// payloads this tool writes (no string holds a quoted member name), not for any JSON.
    private static func member(_ key: StaticString, in bytes: UnsafeRawBufferPointer) -> UInt64? {
        let name = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard bytes.count > name.count else { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = 0
        while start + name.count < bytes.count {
            defer { start += 1 }
            guard name.indices.allSatisfy({ bytes[start + $0] == name[$0] }) else { continue }
            var index = start + name.count
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { continue }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value: UInt64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                digits += 1
                index += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }
}
