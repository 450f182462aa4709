import Foundation
import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOSSL

/// One client connection, on its event loop: the MQTT state machine from CONNECT to close.
///
/// Packets are handled strictly in order. When a decision needs the store (authentication at
/// CONNECT, a command to another device), later packets wait in `held` until it is made.
///
/// The connection decodes its own packets from the decrypted bytes rather than behind a
/// `ByteToMessageHandler`: a packet then reaches ``handle(_:)`` without being boxed for the
/// pipeline and cast back, which was 12 % of the broker's user-space time in a profile.
final class MQTTConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case awaitingConnect, authenticating, connected, closed }

    let broker: Broker
    let flushBatch: FlushBatch
    let id: UInt64
    let remoteAddress: String?
    var context: ChannelHandlerContext?
    var phase = Phase.awaitingConnect
    var version = MQTTVersion.v311
    var client: BrokerClient?
    /// The broker holds this connection as its session's (``Broker/attach``).
    var attached = false
    var held: [MQTTPacket] = []
    /// The channel closed while a decision was pending; ``finish()`` runs once it is made.
    var finishWhenIdle = false
    static let maximumHeld = 64
    var readingPaused = false
    /// Messages routed to the session while its CONNACK waited for storage.
    var beforeConnAck: [Delivery] = []
    var busy = false
    var will: Will?
    var generation: UInt64 = 0
    var sessionExpiry: UInt32 = 0
    var timers: [Scheduled<Void>] = []
    /// When bytes last arrived, and the check that ends a connection silent for too long.
    var lastReceived = NIODeadline.now()
    var keepAliveCheck: Scheduled<Void>?
    var flushScheduled = false
    var decoder: MQTTPacketDecoder
    /// Bytes of a packet not yet complete (empty, and holding no storage, between packets).
    var inbound = ByteBuffer()
    /// A malformed packet ended the input: nothing after it is read.
    var inputFailed = false

    // Broker → client
    var nextPacketID: UInt16 = 0
    var inflight: [UInt16: Delivery] = [:]
    /// Packet ids of QoS 2 messages whose PUBREC arrived (PUBREL sent, waiting for PUBCOMP).
    var released: Set<UInt16> = []
    var pending: [Delivery] = []
    /// This connection's own congestion (``pending`` too long), which publishers feeding it watch.
    let congestion = Congestion()
    static let congestedAt = 64
    static let drainedAt = 16
    /// Acknowledgements to this client held, in order, until the subscribers it fed drain.
    var heldAcknowledgements: [MQTTPacket] = []
    var holdingAcknowledgements = false
    var sendQuota = 65_535
    var clientMaximumPacketSize = Int(UInt32.max)

    // Client → broker
    var awaitingRelease: Set<UInt16> = []
    var topicAliases: [UInt16: String] = [:]
    /// Topics this client was allowed to publish to that name no other device (see ``receivePublish(_:)``).
    var permittedTopics: Set<String> = []
    /// Commands to other devices this client was allowed to send, as of ``commandsGeneration``
    /// of the broker's device facts.
    var permittedCommands: Set<String> = []
    var commandsGeneration: UInt64 = 0

    init(broker: Broker, flushBatch: FlushBatch, id: UInt64, remoteAddress: String?) {
        self.broker = broker
        self.flushBatch = flushBatch
        self.id = id
        self.remoteAddress = remoteAddress
        self.decoder = MQTTPacketDecoder(maximumPacketSize: broker.configuration.maximumPacketSize)
    }

    var handle: ConnectionHandle? {
        guard let context else { return nil }
        return ConnectionHandle(id: id, connection: NIOLoopBound(self, eventLoop: context.eventLoop), congestion: congestion)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let timeout = broker.configuration.connectTimeout
        timers.append(context.eventLoop.assumeIsolated().scheduleTask(in: .init(timeout)) { [self] in
            guard phase == .awaitingConnect || phase == .authenticating else { return }
            close(immediately: true)
        })
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Packets the client sent before it closed still count (a PUBLISH, then DISCONNECT,
        // then the socket closed): while a decision is pending, the end waits for them.
        if busy { finishWhenIdle = true } else { finish() }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard phase != .closed, !inputFailed else { return }
        lastReceived = .now()
        if inbound.readableBytes == 0 {
            inbound = bytes
        } else {
            inbound.writeBuffer(&bytes)
        }
        var malformed: MQTTProtocolError?
        flushBatch.collecting {
            do throws(MQTTProtocolError) {
                while phase != .closed, let packet = try decoder.next(from: &inbound) {
                    receive(packet, context: context)
                }
            } catch {
                malformed = error
            }
        }
        if let malformed {
            inputFailed = true
            inbound = ByteBuffer()
            return failed(malformed)
        }
        if inbound.readableBytes == 0 {
            inbound = ByteBuffer()
        } else if inbound.readerIndex > 0 {
            inbound.discardReadBytes()
        }
    }

    private func receive(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        if busy {
            held.append(packet)
            // Stop reading while a backlog waits, so a client cannot pile up packets in memory.
            if held.count == Self.maximumHeld, !readingPaused {
                readingPaused = true
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            }
            return
        }
        handle(packet)
    }

    /// Ends the connection once nothing has arrived for `limit` (one and a half keep-alives).
    /// The connection checks this itself rather than behind an `IdleStateHandler`, which every
    /// packet and every write would pass through.
    func watchKeepAlive(_ limit: TimeAmount) {
        guard let context, phase != .closed else { return }
        keepAliveCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastReceived + limit) { [self] in
            guard NIODeadline.now() < lastReceived + limit else {
                return terminate(.keepAliveTimeout, "nothing received for one and a half keep-alive periods")
            }
            watchKeepAlive(limit)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The transport failed or the peer left without TLS close_notify: the channel is
        // closing. What the client sent before still counts, so the state is left as it is
        // and ``channelInactive(context:)`` ends the connection.
        context.close(promise: nil)
    }

    /// A malformed packet: the connection ends with the reason code that says why.
    private func failed(_ error: MQTTProtocolError) {
        broker.logger.debug("closing on a malformed packet", metadata: ["remote": "\(remoteAddress ?? "-")", "error": "\(error)"])
        switch phase {
        case .awaitingConnect where error.reason == .unsupportedProtocolVersion:
            // MQTT 3.1.1 §3.1.2.2: answer an unknown level with return code 1, then close.
            send(.connack(ConnAckPacket(sessionPresent: false, reasonCode: .unsupportedProtocolVersion)), flush: true)
            close()
        case .connected, .authenticating:
            terminate(error.reason, error.detail)
        default:
            close()
        }
    }

    // MARK: Packets

    private func handle(_ packet: MQTTPacket) {
        switch (phase, packet) {
        case (.awaitingConnect, .connect(let connect)):
            startConnect(connect)
        case (.connected, .publish(let publish)):
            receivePublish(publish)
        case (.connected, .ack(let ack)):
            receiveAck(ack)
        case (.connected, .subscribe(let subscribe)):
            receiveSubscribe(subscribe)
        case (.connected, .unsubscribe(let unsubscribe)):
            let removed = broker.unsubscribe(client!.sessionKey, household: client!.household, unsubscribe.filters)
            afterDurable(removed.durable) { [self] stored in
                let codes: [ReasonCode] = removed.existed.map { stored ? ($0 ? .success : .noSubscriptionExisted) : .unspecifiedError }
                send(.unsuback(UnsubAckPacket(packetID: unsubscribe.packetID, reasonCodes: codes)))
            }
        case (.connected, .pingreq):
            send(.pingresp)
        case (.connected, .disconnect(let disconnect)):
            if disconnect.reasonCode != .disconnectWithWill { will = nil }
            if version == .v5, let expiry = disconnect.properties.sessionExpiryInterval {
                guard sessionExpiry > 0 || expiry == 0 else {
                    return terminate(.protocolError, "a session that expires at disconnect cannot be extended at DISCONNECT")
                }
                sessionExpiry = min(expiry, broker.configuration.maximumSessionExpiry)
            }
            close()
        case (.connected, .connect):
            terminate(.protocolError, "a second CONNECT")
        default:
            terminate(.protocolError, "a packet the broker does not accept here")
        }
    }

    private func drainHeld() {
        while !busy, phase == .connected, !held.isEmpty {
            handle(held.removeFirst())
        }
        if held.isEmpty, readingPaused, let context {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    /// Runs `work` off the event loop and `then` back on it, holding later packets meanwhile.
    func offLoop<Value: Sendable>(_ work: @escaping @Sendable () async -> Value, then: @escaping (Value) -> Void) {
        guard let context else { return }
        busy = true
        context.eventLoop.makeFutureWithTask(work).assumeIsolated().whenSuccess { [self] value in
            busy = false
            if phase != .closed {
                then(value)
                drainHeld()
            }
            if finishWhenIdle, !busy {
                finishWhenIdle = false
                finish()
            }
        }
    }

    /// Runs `then` once the outbox has stored everything up to `position` (at once when there is
    /// nothing to wait for); `then` gets false when storing failed.
    func afterDurable(_ position: UInt64, then: @escaping (Bool) -> Void) {
        guard position > 0 else { return then(true) }
        let outbox = broker.outbox
        offLoop({
            do {
                try await outbox.durable(through: position)
                return true
            } catch {
                return false
            }
        }, then: then)
    }

    // MARK: Writing

    func send(_ packet: MQTTPacket, flush: Bool = false) {
        guard let context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        MQTTCodec.encode(packet, version: version, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        if flush { context.flush() } else { scheduleFlushAfterWrite() }
    }

    /// Writes go out in one flush: with the input being handled (``FlushBatch``), or else at the
    /// end of this event-loop tick.
    func scheduleFlushAfterWrite() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        if flushBatch.take(self) { return }
        context.eventLoop.assumeIsolated().execute { [self] in flushNow() }
    }

    func flushNow() {
        flushScheduled = false
        context?.flush()
    }

    /// Closes after what was written has gone out — or, `immediately`, without waiting: a
    /// connection that has not finished TLS holds writes until it does, so waiting for them
    /// would keep it open for good.
    func close(immediately: Bool = false) {
        guard let context, phase != .closed else { return }
        phase = .closed
        guard !immediately else {
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        // A client that stops reading cannot hold the connection open by never taking the rest.
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { context.close(promise: nil) }
    }

    /// Ends the session's connection for `reason`; an MQTT 5 client is told with a DISCONNECT.
    func terminate(_ reason: ReasonCode, _ text: String) {
        guard phase != .closed else { return }
        if version == .v5, phase == .connected {
            var properties = MQTTProperties()
            properties.reasonString = text
            send(.disconnect(DisconnectPacket(reasonCode: reason, properties: properties)))
        }
        close()
    }

    /// The connection is gone: the session keeps what was not acknowledged; the will goes out
    /// unless the client said goodbye.
    private func finish() {
        phase = .closed
        for timer in timers { timer.cancel() }
        timers = []
        keepAliveCheck?.cancel()
        keepAliveCheck = nil
        broker.releaseConnection()
        // Publishers waiting for this connection to drain must not wait for a closed one.
        for publisher in congestion.end() { publisher.releaseAcknowledgements() }
        guard attached, let client else { return }
        attached = false
        var unacknowledged = inflight.sorted { $0.key < $1.key }.map { id, delivery in
            var kept = delivery
            kept.packetID = id
            kept.released = released.contains(id)
            return kept
        }
        unacknowledged += pending + beforeConnAck
        inflight = [:]
        pending = []
        beforeConnAck = []
        broker.detach(
            client.sessionKey, connectionID: id, unacknowledged: unacknowledged.filter { $0.qos > .atMostOnce },
            awaitingRelease: awaitingRelease, expiryInterval: sessionExpiry)
        guard let will else { return }
        self.will = nil
        let delay = min(will.properties.willDelayInterval ?? 0, sessionExpiry)
        let message = BrokerMessage(will: will, publisher: client.sessionKey, now: broker.clock.now)
        guard delay > 0, let context else {
            broker.publish(message, household: client.household)
            return
        }
        let broker = self.broker
        let generation = self.generation
        context.eventLoop.scheduleTask(in: .seconds(Int64(delay))) {
            guard !broker.sessionMoved(client.sessionKey, since: generation) else { return }
            broker.publish(message, household: client.household)
        }
    }
}
