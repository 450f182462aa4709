import HearthCommandLine
import HearthMQTT
import NIOCore

/// One MQTT connection of the load, on its event loop: CONNECT, then SUBSCRIBE for a subscriber,
/// then publishing or counting. Packets are encoded into one buffer that goes out in a single
/// write and flush per batch; acknowledgements wait for the end of a read burst.
final class LoadClient: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    enum Phase { case connecting, subscribing, ready, closed }

    /// Messages encoded per write (about 16 KB of small messages: one TLS record).
    static let chunkBytes = 16 * 1024
    /// Messages one publisher sends before it lets the event loop serve other channels.
    static let tickBudget = 1024

    let role: LoadRole
    let settings: LoadSettings
    /// The publishers' turn-taker of this client's event loop.
    let pacer: LoadPacer
    let connect: ConnectPacket
    /// Completed on CONNACK (and SUBACK for a subscriber), failed on refusal, close or timeout.
    let ready: EventLoopPromise<Void>

    var context: ChannelHandlerContext?
    var phase = Phase.connecting
    var counters = LoadCounters()
    var out = ByteBuffer()
    var closing = false
    var readyDone = false
    var connectSent = false
    var timers: [Scheduled<Void>] = []

    // Publishing
    var window: LoadWindow?
    var running = false
    var payload: LoadPayload
    var nextPacketID: UInt16 = 0
    var inflight = Set<UInt16>()
    var inflightLimit: Int
    var tickScheduled = false

    // Receiving
    var lastCounter: [Int64]

    init(role: LoadRole, settings: LoadSettings, pacer: LoadPacer, connect: ConnectPacket, ready: EventLoopPromise<Void>) {
        self.role = role
        self.settings = settings
        self.pacer = pacer
        self.connect = connect
        self.ready = ready
        inflightLimit = settings.inflight
        var publisherIndex = 0
        if case .publisher(_, let index) = role { publisherIndex = index }
        payload = LoadPayload(
            size: settings.payloadSize, publisher: publisherIndex, allocator: ByteBufferAllocator(), kind: settings.payloadKind)
        if case .subscriber = role {
            lastCounter = [Int64](repeating: -1, count: settings.publishers)
        } else {
            lastCounter = []
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        out = context.channel.allocator.buffer(capacity: Self.chunkBytes + 1024)
        timers.append(context.eventLoop.assumeIsolated().scheduleTask(in: settings.readyTimeout) { [self] in
            guard !readyDone else { return }
            fail("no CONNACK\(isSubscriber ? "/SUBACK" : "") within \(settings.readyTimeout.nanoseconds / 1_000_000_000) s")
        })
        if context.channel.isActive { sendConnect() }
    }

    func channelActive(context: ChannelHandlerContext) {
        counters.open = true
        sendConnect()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        counters.open = false
        phase = .closed
        running = false
        for timer in timers { timer.cancel() }
        timers = []
        if !closing, counters.failure == nil { counters.failure = "the broker closed the connection" }
        failReady()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .connack(let connack):
            receiveConnAck(connack)
        case .suback(let suback):
            receiveSubAck(suback)
        case .publish(let publish):
            receivePublish(publish)
        case .ack(let ack) where ack.kind == .puback:
            receivePubAck(ack)
        case .pingresp:
            break
        case .disconnect(let disconnect):
            let text = disconnect.properties.reasonString.map { ": " + $0 } ?? ""
            fail("DISCONNECT from the broker, \(disconnect.reasonCode)\(text)")
        default:
            fail("an unexpected packet from the broker")
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if running { pump() }
        writeOut()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if running, context.channel.isWritable { pump() }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Connecting

    private var isSubscriber: Bool {
        if case .subscriber = role { return true }
        return false
    }

    private func sendConnect() {
        guard phase == .connecting, !connectSent else { return }
        connectSent = true
        MQTTCodec.encode(.connect(connect), version: settings.version, into: &out)
        writeOut()
    }

    private func receiveConnAck(_ connack: ConnAckPacket) {
        guard phase == .connecting else { return fail("a second CONNACK") }
        guard !connack.reasonCode.isFailure else {
            let text = connack.properties.reasonString.map { ": " + $0 } ?? ""
            return fail("CONNACK refused, \(connack.reasonCode)\(text)")
        }
        if let maximum = connack.properties.receiveMaximum { inflightLimit = min(inflightLimit, Int(maximum)) }
        if case .subscriber(let filter) = role {
            phase = .subscribing
            let subscription = Subscription(filter: filter, qos: settings.qos)
            MQTTCodec.encode(.subscribe(SubscribePacket(packetID: 1, subscriptions: [subscription])), version: settings.version, into: &out)
            writeOut()
        } else {
            becomeReady()
        }
    }

    private func receiveSubAck(_ suback: SubAckPacket) {
        guard phase == .subscribing, suback.packetID == 1 else { return fail("an unexpected SUBACK") }
        guard let code = suback.reasonCodes.first, !code.isFailure else {
            return fail("SUBACK refused the subscription, \(suback.reasonCodes.first.map { "\($0)" } ?? "no reason code")")
        }
        becomeReady()
    }

    private func becomeReady() {
        phase = .ready
        readyDone = true
        ready.succeed()
        if case .idle = role { return }
        schedulePing()
    }

    /// A PINGREQ every half keep-alive, so a broker never times out a quiet subscriber.
    private func schedulePing() {
        guard let context, settings.keepAlive > 0 else { return }
        timers.append(context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(settings.keepAlive) / 2)) { [self] in
            guard phase == .ready else { return }
            MQTTCodec.encode(.pingreq, version: settings.version, into: &out)
            writeOut()
            schedulePing()
        })
    }

    // MARK: Writing and ending

    /// Writes and flushes what was encoded since the last call.
    func writeOut() {
        guard out.readableBytes > 0, let context else { return }
        guard phase != .closed else { return out.clear() }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        out.clear()
    }

    /// Snapshot of the counters.
    func snapshot() -> LoadCounters {
        var snapshot = counters
        snapshot.inflight = inflight.count
        return snapshot
    }

    /// Delivered and in-flight counts only (no latency record), for polling.
    func snapshotProgress() -> (delivered: UInt64, inflight: Int) {
        (counters.delivered, inflight.count)
    }

    /// Whether the connection is open, and why it ended if it did.
    func snapshotState() -> (open: Bool, failure: String?) {
        (counters.open && phase != .closed, counters.failure)
    }

    /// Sends DISCONNECT and closes.
    func disconnect() {
        guard let context, phase != .closed else { return }
        closing = true
        running = false
        MQTTCodec.encode(.disconnect(DisconnectPacket()), version: settings.version, into: &out)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(out), promise: promise)
        out.clear()
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            self.context?.close(promise: nil)
        }
    }

    func fail(_ reason: String) {
        if counters.failure == nil, !closing { counters.failure = reason }
        failReady()
        running = false
        guard let context, phase != .closed else { return }
        phase = .closed
        context.close(promise: nil)
    }

    private func failReady() {
        guard !readyDone else { return }
        readyDone = true
        ready.fail(LoadClientError(reason: counters.failure ?? "the connection closed"))
    }
}

/// Why a client could not get ready.
struct LoadClientError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
