import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The executor of a ``BridgeSessionStateMachine`` on one event loop: it carries out the
/// machine's actions on the channel and timers, and feeds it what the channel and the link
/// report. Everything here runs on that loop.
final class BridgeDriver {
    typealias Machine = BridgeSessionStateMachine

    /// The largest packet read from the broker; it sends a publishing client only CONNACK,
    /// PUBACK and PINGRESP.
    static let maximumInboundPacket = 64 * 1024
    /// How long ``stop()`` waits for the DISCONNECT to go out and the connection to close.
    static let stopGrace = TimeAmount.milliseconds(1500)

    let eventLoop: any EventLoop
    let destination: BridgeDestination
    let tls: BridgeTLS
    let clock: any HearthClock
    let logger: Logger
    let onAcknowledged: @Sendable (String, Int) -> Void
    let board: BridgeStatusBoard
    let withdrawals: BridgeWithdrawals
    var machine: Machine

    /// Counts connection attempts: what a channel of an earlier attempt reports is ignored.
    var attempt: UInt64 = 0
    /// The current attempt has not reported its end yet.
    var attemptOpen = false
    var channel: (any Channel)?
    /// What went wrong on the current connection, as its handler saw it, for when it closes.
    var transportError: String?
    var reconnectTimer: Scheduled<Void>?
    var tickTimer: Scheduled<Void>?
    var stopWaiters: [EventLoopPromise<Void>] = []

    init(
        eventLoop: any EventLoop, destination: BridgeDestination, tls: BridgeTLS, clock: any HearthClock, logger: Logger,
        board: BridgeStatusBoard, withdrawals: BridgeWithdrawals, onAcknowledged: @escaping @Sendable (String, Int) -> Void
    ) {
        self.eventLoop = eventLoop
        self.destination = destination
        self.tls = tls
        self.clock = clock
        self.logger = logger
        self.board = board
        self.withdrawals = withdrawals
        self.onAcknowledged = onAcknowledged
        machine = Machine(clientID: destination.clientID, keepAlive: destination.keepAlive)
    }

    // MARK: What the link asks

    func start() {
        handle { $0.start(now: clock.now) }
        if tickTimer == nil, !machine.stopping { scheduleTick() }
    }

    func offer(_ message: BridgeMessage) {
        guard !withdrawals.isWithdrawn(message) else {
            handle { machine in
                machine.countDiscarded()
                return []
            }
            return
        }
        handle { $0.offer(message, now: clock.now) }
    }

    /// The withdrawal is already recorded; applying it is what every event does first.
    func applyWithdrawals() {
        handle { _ in [] }
    }

    /// Completes once the connection is closed, or after ``stopGrace`` at most.
    func stop() -> EventLoopFuture<Void> {
        tickTimer?.cancel()
        tickTimer = nil
        handle { $0.stop() }
        // No channel: nothing to wait for (a connect still under way is closed when it completes).
        guard machine.phase != .stopped, channel != nil else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        stopWaiters.append(promise)
        eventLoop.assumeIsolated().scheduleTask(in: Self.stopGrace) { [self] in
            channel?.close(promise: nil)
            releaseStopWaiters()
        }
        return promise.futureResult
    }

    // MARK: What the channel reports

    func connected(_ channel: any Channel, attempt: UInt64) {
        guard attempt == self.attempt, attemptOpen else { return channel.close(promise: nil) }
        self.channel = channel
        // Stopped or timed out while TCP was under way.
        if machine.phase == .closing { channel.close(promise: nil) }
    }

    func transportReady(_ channel: any Channel, attempt: UInt64) {
        guard attempt == self.attempt, attemptOpen else { return }
        self.channel = channel
        handle { $0.transportReady(now: clock.now) }
    }

    func received(_ packet: MQTTPacket, attempt: UInt64) {
        guard attempt == self.attempt, attemptOpen else { return }
        handle { $0.packetReceived(packet, now: clock.now) }
    }

    func caught(_ error: any Error, on channel: any Channel, attempt: UInt64) {
        guard attempt == self.attempt, attemptOpen else { return channel.close(promise: nil) }
        if let error = error as? MQTTProtocolError {
            handle { $0.decodingFailed(error) }
            return
        }
        if transportError == nil { transportError = BridgeTransportError.describe(error, destination: destination) }
        channel.close(promise: nil)
    }

    /// The channel closed, or the connection could not be made (`error`).
    func closed(attempt: UInt64, error: (any Error)? = nil) {
        guard attempt == self.attempt, attemptOpen else { return }
        attemptOpen = false
        channel = nil
        let reason = error.map { BridgeTransportError.describe($0, destination: destination) } ?? transportError
        transportError = nil
        let wasConnected = machine.phase == .connected
        handle { $0.connectionClosed(reason: reason, now: clock.now, jitter: Double.random(in: 0...1)) }
        guard !machine.stopping else { return }
        logger.warning(
            wasConnected ? "the bridge lost its connection" : "the bridge could not connect",
            metadata: metadata(["reason": "\(machine.lastError ?? "unknown")"]))
    }

    // MARK: Running the machine

    /// Applies withdrawals not yet applied (so no event sends a withdrawn message), runs the
    /// event, carries out its actions and publishes the status.
    private func handle(_ event: (inout Machine) -> [Machine.Action]) {
        let wasConnected = machine.phase == .connected
        if let fences = withdrawals.takeUnapplied() {
            machine.discard { message in fences[message.tag].map { message.sequence <= $0 } ?? false }
        }
        let actions = event(&machine)
        for action in actions { perform(action) }
        board.publish(machine.status)
        logTransition(from: wasConnected)
        if machine.phase == .stopped { releaseStopWaiters() }
    }

    private func perform(_ action: Machine.Action) {
        switch action {
        case .connect:
            connect()
        case .send(let packets):
            write(packets)
        case .close(let packet):
            close(sending: packet)
        case .scheduleReconnect(let delay):
            reconnectTimer = eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                reconnectTimer = nil
                handle { $0.reconnectDue(now: clock.now) }
            }
        case .cancelReconnect:
            reconnectTimer?.cancel()
            reconnectTimer = nil
        case .acknowledged(let tag, let bytes):
            onAcknowledged(tag, bytes)
        }
    }

    private func connect() {
        attempt += 1
        attemptOpen = true
        transportError = nil
        let attempt = self.attempt
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let tls = self.tls
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(machine.limits.responseTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = MQTTPacketDecoder(maximumPacketSize: Self.maximumInboundPacket, version: .v311)
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname),
                        ByteToMessageHandler(decoder),
                        BridgeChannelHandler(driver: bound.value, attempt: attempt),
                    ])
                }
            }
            .connect(host: destination.host, port: destination.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel): connected(channel, attempt: attempt)
                case .failure(let error): closed(attempt: attempt, error: error)
                }
            }
    }

    @discardableResult
    private func write(_ packets: [MQTTPacket]) -> EventLoopFuture<Void>? {
        guard let channel else { return nil }
        var buffer = channel.allocator.buffer(capacity: 256)
        for packet in packets { MQTTCodec.encode(packet, version: .v311, into: &buffer) }
        return channel.writeAndFlush(buffer)
    }

    private func close(sending packet: MQTTPacket?) {
        // No channel yet: ``connected(_:attempt:)`` closes it when the connect completes.
        guard let channel else { return }
        guard let packet, let written = write([packet]) else { return channel.close(promise: nil) }
        written.whenComplete { _ in channel.close(promise: nil) }
    }

    private func scheduleTick() {
        tickTimer = eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            handle { $0.tick(now: clock.now) }
            if !machine.stopping { scheduleTick() }
        }
    }

    private func releaseStopWaiters() {
        let waiters = stopWaiters
        stopWaiters = []
        for waiter in waiters { waiter.succeed() }
    }

    private func logTransition(from wasConnected: Bool) {
        guard machine.phase == .connected, !wasConnected else { return }
        logger.info("the bridge is connected", metadata: metadata())
    }

    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["bridge": "\(destination.name)", "broker": "\(destination.address)"]) { $1 }
    }
}
