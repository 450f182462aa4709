import HearthCommandLine
import NIOCore

/// The clock every timestamp of a run reads: CLOCK_MONOTONIC in nanoseconds (what NIO's
/// deadlines use), shared by every publisher and subscriber of this process.
enum LoadClock {
    @inline(__always)
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

/// A load message's payload: the send time (8 bytes, big-endian monotonic ns), then the
/// sequence number (8 bytes: publisher index in the top 24 bits, its counter below), then
/// filler up to the payload size.
struct LoadPayload {
    static let minimumSize = 16
    private static let counterBits: UInt64 = 40
    private static let counterMask: UInt64 = (1 << counterBits) - 1

    private(set) var buffer: ByteBuffer
    private let publisher: UInt64

    init(size: Int, publisher: Int, allocator: ByteBufferAllocator) {
        precondition(size >= Self.minimumSize)
        buffer = allocator.buffer(capacity: size)
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size)
        self.publisher = UInt64(publisher) << Self.counterBits
    }

    /// Stamps the payload in place (no copy while no packet still holds the previous stamp).
    mutating func stamp(time: UInt64, counter: UInt64) {
        buffer.setInteger(time, at: buffer.readerIndex)
        buffer.setInteger(publisher | (counter & Self.counterMask), at: buffer.readerIndex + 8)
    }

    struct Stamp {
        let time: UInt64
        let publisher: Int
        let counter: UInt64
    }

    static func read(_ payload: ByteBuffer) -> Stamp? {
        guard payload.readableBytes >= minimumSize,
              let time = payload.getInteger(at: payload.readerIndex, as: UInt64.self),
              let sequence = payload.getInteger(at: payload.readerIndex + 8, as: UInt64.self)
        else { return nil }
        return Stamp(time: time, publisher: Int(sequence >> counterBits), counter: sequence & counterMask)
    }
}
