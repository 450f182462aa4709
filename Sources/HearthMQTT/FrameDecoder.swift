import NIOCore

/// Decodes the packets of one connection in a NIO pipeline.
///
/// A broker starts with no version and learns it from the CONNECT, which must come first; a client
/// passes the version of the CONNECT it sent, and then every packet type is decoded. Bad bytes are
/// thrown up the pipeline as ``MQTTProtocolError``.
public struct MQTTPacketDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = MQTTPacket

    public let maximumPacketSize: Int
    /// Set once the CONNECT has been decoded.
    public var version: MQTTVersion?

    public init(maximumPacketSize: Int) {
        self.init(maximumPacketSize: maximumPacketSize, version: nil)
    }

    public init(maximumPacketSize: Int, version: MQTTVersion?) {
        self.maximumPacketSize = maximumPacketSize
        self.version = version
    }

    /// The decoding step without a channel, for tests and for code that reads bytes itself.
    public mutating func next(from buffer: inout ByteBuffer) throws(MQTTProtocolError) -> MQTTPacket? {
        let packet = try MQTTCodec.decode(&buffer, version: version, maximumPacketSize: maximumPacketSize)
        if version == nil, case .connect(let connect) = packet {
            version = connect.version
        }
        return packet
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData, seenEOF {
            // The peer is gone mid-packet; what it sent of that packet can never be completed or answered.
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return state
    }
}
