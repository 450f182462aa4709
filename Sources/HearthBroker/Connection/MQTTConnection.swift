import struct Foundation.Date
import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOSSL

/// One client connection, on its event loop: the executor of its ``MQTTSessionStateMachine``.
///
/// It owns what the machine must not touch — the channel, decoding, writing and flushing,
/// timers, the broker's shared state and work off the loop — and feeds the machine events and
/// carries out the actions it returns.
///
/// The connection decodes its own packets from the decrypted bytes rather than behind a
/// `ByteToMessageHandler`: a packet then reaches the machine without being boxed for the
/// pipeline and cast back, which was 12 % of the broker's user-space time in a profile.
final class MQTTConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias Action = MQTTSessionStateMachine.Action

    let broker: Broker
    let flushBatch: FlushBatch
    let id: UInt64
    let remoteAddress: String?
    var context: ChannelHandlerContext?
    var machine: MQTTSessionStateMachine
    /// The session's timers but the CONNECT deadline, which is restarted alone (``startConnectTimer()``).
    var timers: [Scheduled<Void>] = []
    private var connectTimer: Scheduled<Void>?
    var keepAliveCheck: Scheduled<Void>?
    var flushScheduled = false
    var decoder: MQTTPacketDecoder
    /// Bytes of a packet not yet complete (empty, and holding no storage, between packets).
    var inbound = ByteBuffer()
    /// A malformed packet ended the input: nothing after it is read.
    var inputFailed = false
    /// This connection's own congestion (too many messages waiting for in-flight room), which
    /// publishers feeding it watch.
    let congestion = Congestion()
    /// What detection watches of this connection once it is bound to its session (nil before,
    /// or with detection off); its meter counts a device's publishes.
    var watch: Broker.Watch?
    /// What a rate limit set on the meter still lets through.
    var rateBudget = RateBudget()
    /// The privacy gate's memo of this device's flow.
    var telemetryMemo = TelemetryFlowMemo()
    /// The time of the read being handled (``readTime``), once a message of it asked; nil
    /// between reads.
    private var timeOfRead: Date?
    private var reading = false
    /// What the node that relayed this client here learned at its TLS handshake (nil: the
    /// client connected here).
    let relayedFrom: RelayPreamble?
    /// The link to the node serving this client's household, once the client is relayed there.
    var relayLink: RelayLink?

    init(broker: Broker, flushBatch: FlushBatch, id: UInt64, remoteAddress: String?, relayedFrom: RelayPreamble? = nil) {
        self.broker = broker
        self.flushBatch = flushBatch
        self.id = id
        self.relayedFrom = relayedFrom
        self.remoteAddress = relayedFrom.map { $0.remoteAddress } ?? remoteAddress
        self.decoder = MQTTPacketDecoder(maximumPacketSize: broker.configuration.maximumPacketSize)
        self.machine = MQTTSessionStateMachine(limits: broker.configuration, now: .now())
    }

    var handle: ConnectionHandle? {
        guard let context else { return nil }
        return ConnectionHandle(
            id: id, connection: NIOLoopBound(self, eventLoop: context.eventLoop), congestion: congestion,
            isApp: machine.client.map(Broker.isApp) ?? false)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        startConnectTimer()
    }

    /// CONNECT is due within the broker's connect timeout of the connection's arrival or, when the
    /// listener held it in its line, of its being let in: the client, not the deadline, decides how
    /// long a wait in the line is worth.
    private func startConnectTimer() {
        guard let context else { return }
        let timeout = broker.configuration.connectTimeout
        connectTimer?.cancel()
        connectTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .init(timeout)) { [self] in
            execute(machine.connectTimeoutElapsed())
        }
    }

    /// Cancels the CONNECT deadline and the session's timers: the connection ended or was handed off.
    func cancelTimers() {
        connectTimer?.cancel()
        connectTimer = nil
        for timer in timers { timer.cancel() }
        timers = []
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event as? ConnectionTurn {
        case .waiting?: connectTimer?.cancel()
        case .letIn?: startConnectTimer()
        case nil: break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeRelayLink()
        execute(machine.channelClosed())
        context.fireChannelInactive()
    }

    /// A connection closed before it ever became active (refused while the listener was still
    /// setting it up) gets no `channelInactive`: its place among the broker's connections is given
    /// back here, or the broker would count it open for good.
    func handlerRemoved(context: ChannelHandlerContext) {
        if !machine.finished { execute(machine.channelClosed()) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        relayWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if relayLink != nil { return forward(bytes) }
        guard machine.acceptsInput, !inputFailed else { return }
        machine.inputReceived(at: .now())
        reading = true
        defer { (reading, timeOfRead) = (false, nil) }
        if inbound.readableBytes == 0 {
            inbound = bytes
        } else {
            inbound.writeBuffer(&bytes)
        }
        // Once per read, not per message: the generation is behind the broker's lock.
        machine.deviceFacts(asOf: broker.deviceGeneration)
        var malformed: MQTTProtocolError?
        flushBatch.collecting {
            do throws(MQTTProtocolError) {
                while machine.acceptsInput, let packet = try decoder.next(from: &inbound) {
                    execute(machine.packetReceived(packet, now: broker.clock.now))
                }
            } catch {
                malformed = error
            }
        }
        if let malformed {
            inputFailed = true
            inbound = ByteBuffer()
            broker.logger.debug("closing on a malformed packet", metadata: ["remote": "\(remoteAddress ?? "-")", "error": "\(malformed)"])
            return execute(machine.decodingFailed(malformed))
        }
        if inbound.readableBytes == 0 {
            inbound = ByteBuffer()
        } else if inbound.readerIndex > 0 {
            inbound.discardReadBytes()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The transport failed or the peer left without TLS close_notify: the channel is
        // closing. What the client sent before still counts, so the session is left as it is
        // and ``channelInactive(context:)`` ends it.
        context.close(promise: nil)
    }

    /// The time of the read being handled, for what its messages expire by (counted in seconds):
    /// read from the clock once per read rather than for every message (a read of many
    /// messages is handled in well under the coarse clock's own lag of up to 4 ms). Outside a
    /// read (a message let through once a policy answer came back), the clock's time.
    var readTime: Date {
        if let timeOfRead { return timeOfRead }
        let now = broker.clock.coarseNow
        if reading { timeOfRead = now }
        return now
    }

    // MARK: Calls from the broker (through ``ConnectionHandle``)

    /// `routedAt`: when the message was routed (nil: read the clock if its expiry needs a time).
    func deliver(_ delivery: Delivery, routedAt: Date?) {
        execute(machine.deliver(delivery, now: routedAt ?? broker.clock.coarseNow, writable: context?.channel.isWritable == true))
    }

    func releaseAcknowledgements() {
        execute(machine.releaseAcknowledgements())
    }

    func terminate(_ reason: ReasonCode, _ text: String) {
        execute(machine.terminate(reason, text))
    }

    // MARK: Actions

    /// Carries out `first`, the actions the results of synchronous ones lead to, and then what
    /// the machine has left to do (``MQTTSessionStateMachine/next(now:writable:)``).
    func execute(_ first: Action) {
        var action = first
        while true {
            if case .none = action {
                action = machine.next(now: broker.clock.now, writable: context?.channel.isWritable == true)
                if case .none = action { return }
            }
            action = perform(action)
        }
    }

    /// Carries out one action; returns the machine's answer to its result when there is one at once.
    private func perform(_ action: Action) -> Action {
        switch action {
        case .none:
            return .none
        case .send(let packet):
            send(packet)
        case .sendPublish(let outgoing):
            return write(outgoing)
        case .pauseReading:
            context?.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        case .resumeReading:
            context?.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        case .authenticate(let connect):
            authenticate(connect)
        case .attach(let client, let cleanStart, let expiryInterval):
            return attach(client, cleanStart: cleanStart, expiryInterval: expiryInterval)
        case .watchSession(let keepAliveCheckAt, let credentialValidFor):
            scheduleKeepAliveCheck(at: keepAliveCheckAt)
            if let context {
                timers.append(context.eventLoop.assumeIsolated().scheduleTask(in: credentialValidFor) { [self] in
                    terminate(.notAuthorized, "the credential this session was opened with has expired")
                })
            }
        case .scheduleKeepAliveCheck(let deadline):
            scheduleKeepAliveCheck(at: deadline)
        case .refuse(let connack, let reason):
            broker.logger.notice("refused an MQTT connection", metadata: ["remote": "\(remoteAddress ?? "-")", "reason": "\(reason)"])
            send(.connack(connack), flush: true)
            close()
        case .askPolicy(let question):
            return decide(question)
        case .recordDenial(let denial):
            broker.denials.record(denial.client, denial.action, denial.decision, sample: denial.sample)
        case .holdCommand(let client, let target, let topic, let payload, let reason):
            broker.hold(client: client, target: target, topic: topic, payload: payload, reason: reason)
        case .route(let publish, let watchCongestion):
            return route(publish, watchCongestion: watchCongestion)
        case .subscribe(let grants, let denials):
            for denial in denials { broker.denials.record(denial.client, denial.action, denial.decision, sample: denial.sample) }
            guard let client = machine.client else { return .none }
            if case .app(let app) = client.subject, let user = client.scopeUser, let ledger = broker.scopeUse {
                for grant in grants {
                    if let scope = MessagingPolicy.scope(subscribing: MessagingTopic(grant.filter.text), app: app) {
                        ledger.note(user, scope: scope)
                    }
                }
            }
            let added = broker.subscribe(client.sessionKey, household: client.household, grants)
            return machine.subscribed(retained: added.retained, durable: added.durable)
        case .unsubscribe(let filters):
            guard let client = machine.client else { return .none }
            let removed = broker.unsubscribe(client.sessionKey, household: client.household, filters)
            return machine.unsubscribed(existed: removed.existed, durable: removed.durable)
        case .awaitStorage(let position):
            awaitStorage(position)
        case .settle(let delivery):
            settle(delivery)
        case .discard(let delivery):
            settle(delivery)
            broker.countDropped()
        case .requeue(let delivery):
            if let client = machine.client { broker.requeue(delivery, for: client.sessionKey) }
        case .countDropped:
            broker.countDropped()
        case .beginCongestion:
            congestion.begin()
        case .endCongestion:
            for publisher in congestion.end() { publisher.releaseAcknowledgements() }
        case .close(let packet):
            if let packet { send(packet) }
            close()
        case .closeNow:
            close(immediately: true)
        case .finish(let end):
            finish(end)
        }
        return .none
    }
}
