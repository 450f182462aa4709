import struct Foundation.Date
import HearthCore
import HearthMQTT
import NIOCore
import NIOSSL
import Synchronization

/// The actions that reach out of the machine: to the broker's shared state, the store and the channel.
extension MQTTConnection {
    // MARK: CONNECT

    /// Who the client is (the gatekeeper) and which node serves its household: this one, or
    /// another that the client is relayed to (docs/scale-out.md).
    func authenticate(_ connect: ConnectPacket) {
        var attempt = ConnectAttempt(
            clientID: connect.clientID, username: connect.username, password: connect.password,
            certificateChain: relayedFrom?.certificateChain ?? presentedChain(), remoteAddress: remoteAddress,
            authenticationMethod: connect.properties.authenticationMethod,
            authenticationData: connect.properties.authenticationData,
            localPort: relayedFrom.map(\.localPort) ?? context?.channel.localAddress?.port)
        attempt.relayed = relayedFrom != nil
        let broker = self.broker
        let presented = attempt
        offLoop({ () -> (ConnectVerdict, HouseholdPlace) in
            let verdict = await broker.gatekeeper.authenticate(presented)
            guard case .accepted(let client) = verdict else { return (verdict, .here) }
            return (verdict, await broker.serve(client.household))
        }) { [self] verdict, place in
            switch place {
            case .here:
                return machine.authenticated(verdict, now: broker.clock.now)
            case .elsewhere(_, let address) where relayedFrom == nil:
                return relay(presented, to: address)
            case .elsewhere:
                // Relayed here by a node that took this one for the household's: the lease moved
                // meanwhile. The client reconnects and finds where it is now.
                return machine.authenticated(.refused(.serverMoved, "another hub node serves this household now"), now: broker.clock.now)
            case .unknown(let reason):
                return machine.authenticated(.refused(.serverUnavailable, reason), now: broker.clock.now)
            }
        }
    }

    private func presentedChain() -> [[UInt8]] {
        let leaf = (try? context?.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap { $0 }
        return leaf.flatMap { try? $0.toDERBytes() }.map { [$0] } ?? []
    }

    func attach(_ client: BrokerClient, cleanStart: Bool, expiryInterval: UInt32) -> Action {
        // Never nil here: packets are read only once the handler is added.
        guard let handle else { return .none }
        let attached = broker.attach(client, cleanStart: cleanStart, expiryInterval: expiryInterval, connection: handle)
        attached.takenOver?.terminate(.sessionTakenOver, "another connection of the same client took the session over")
        watch = broker.watch(client, connection: handle, address: remoteAddress)
        return machine.attached(MQTTSessionStateMachine.Attachment(
            sessionPresent: attached.sessionPresent, resumed: attached.resumed, awaitingRelease: attached.awaitingRelease,
            generation: attached.generation, durable: attached.durable))
    }

    // MARK: Messages from the client

    /// The policy on a PUBLISH to a topic the machine has not allowed yet. A command to another
    /// device rests on that device's record: from the broker's cache, or else from the store.
    func decide(_ question: MQTTSessionStateMachine.PublishQuestion) -> Action {
        let client = question.client, topic = question.topic
        let messaging = MessagingTopic(topic)
        let ownID: Substring? = if case .device(let device, _) = client.subject { Substring(device.id.rawValue) } else { nil }
        guard let target = messaging.commandTarget, target != ownID else {
            return machine.policyDecided(decide(client, messaging, commanding: nil), onOwnFacts: true)
        }
        if let known = broker.cachedDevice(target, in: client.household) {
            // Good until the device facts it rests on are dropped (the next access change) —
            // unless it weighed context (the hour, the risk), which changes on its own.
            let decision = decide(client, messaging, commanding: known)
            return machine.policyDecided(
                decision, onOwnFacts: false, onDeviceFacts: !broker.weighsContext(known, for: client), target: known)
        }
        let broker = self.broker
        let household = client.household
        let name = String(target)
        offLoop({ await broker.lookUpDevice(Substring(name), in: household) }) { [self] device in
            machine.policyDecided(decide(client, messaging, commanding: device), onOwnFacts: false, target: device)
        }
        return .none
    }

    private func decide(_ client: BrokerClient, _ topic: MessagingTopic, commanding: DeviceFacts?) -> PolicyDecision {
        let now = broker.clock.now
        let context = PolicyContext(now: now, command: commanding.flatMap { broker.commandContext(client, commanding: $0, at: now) })
        let decision = PolicyEngine.decide(client.subject, .publishMessage, .topic(topic, commanding: commanding), context)
        if decision.allowed, context.command != nil, let target = commanding { broker.learnCommand(client, to: target, at: now) }
        // A held command used its scope too: the policy holds only what the scope allows.
        if decision.allowed || decision.held, let target = commanding, case .app = client.subject, let user = client.scopeUser {
            broker.scopeUse?.note(user, scope: MessagingPolicy.scope(commanding: target))
        }
        return decision
    }

    func route(_ publish: PublishPacket, watchCongestion: Bool) -> Action {
        guard let client = machine.client else { return .none }
        let household = client.household, payload = publish.payload
        if let meter = watch?.meter {
            meter.count(bytes: payload.readableBytes)
            let limit = meter.limit.load(ordering: .relaxed)
            // 0x97 (quota exceeded): 0x96, message rate too high, is for DISCONNECT only (MQTT 5 §3.4.2.1).
            if limit > 0, !rateBudget.admit(limit: limit, now: NIODeadline.now().uptimeNanoseconds) {
                return machine.routingRefused(.quotaExceeded, "rate-limited to \(limit) messages/s: far above this device's usual rate")
            }
        }
        let message: BrokerMessage
        var routedAt: Date?
        if let gate = broker.telemetryGate, let device = client.deviceID,
           let flow = telemetryFlow(of: publish.topic, device: device),
           // An empty retained message clears the topic's retained message: it carries no data.
           !(publish.retain && payload.readableBytes == 0)
        {
            let now = readTime
            routedAt = now
            switch gate.inspect(payload, device: device, flow: flow, household: household, at: now, memo: &telemetryMemo) {
            case .forward(let payload, let tag, let retention):
                message = BrokerMessage(
                    publish, publisher: client.sessionKey, admitted: payload, flow: tag, retentionEnd: now.addingTimeInterval(retention), now: now)
            case .absorbed:
                return machine.routed(durable: 0, holdAcknowledgements: false)
            case .refused(let reason, let text):
                return machine.routingRefused(reason, text)
            }
        } else {
            message = BrokerMessage(publish, publisher: client.sessionKey, now: broker.clock.now)
        }
        let routed = broker.publish(message, household: household, routedAt: routedAt)
        var hold = false
        if watchCongestion, !routed.congested.isEmpty, let me = handle {
            for subscriber in routed.congested where subscriber.id != id && subscriber.congestion.wait(me) {
                hold = true
            }
        }
        return machine.routed(durable: routed.durable, holdAcknowledgements: hold)
    }

    /// The flow a topic of the connection's device names, if it is one of its telemetry topics.
    private func telemetryFlow(of topic: String, device: DeviceID) -> Substring? {
        if !topic.isEmpty, topic == telemetryMemo.topic { return telemetryMemo.topicFlow }
        guard let flow = TelemetryTopic.flow(of: topic, device: device) else { return nil }
        (telemetryMemo.topic, telemetryMemo.topicFlow) = (topic, flow)
        return flow
    }

    /// The client has (or can never have) the message: its stored copy goes.
    func settle(_ delivery: Delivery) {
        guard let client = machine.client else { return }
        broker.settled(delivery, for: client)
    }

    // MARK: Off the loop

    func awaitStorage(_ position: UInt64) {
        let outbox = broker.outbox
        offLoop({
            do {
                try await outbox.durable(through: position)
                return true
            } catch {
                return false
            }
        }) { [self] stored in
            machine.stored(stored)
        }
    }

    /// Runs `work` off the event loop, then feeds its result to the machine back on the loop
    /// (which holds later packets meanwhile).
    func offLoop<Value: Sendable>(_ work: @escaping @Sendable () async -> Value, then: @escaping (Value) -> Action) {
        guard let context else { return }
        context.eventLoop.makeFutureWithTask(work).assumeIsolated().whenSuccess { [self] value in
            execute(then(value))
        }
    }

    // MARK: Timers

    /// The connection watches its keep-alive itself rather than behind an `IdleStateHandler`,
    /// which every packet and every write would pass through.
    func scheduleKeepAliveCheck(at deadline: NIODeadline) {
        guard let context else { return }
        keepAliveCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            execute(machine.keepAliveCheckDue(now: .now()))
        }
    }

    // MARK: Writing

    func send(_ packet: MQTTPacket, flush: Bool = false) {
        guard let context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        MQTTCodec.encode(packet, version: machine.version, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        if flush { context.flush() } else { scheduleFlushAfterWrite() }
    }

    /// A PUBLISH, encoded in place in its output buffer; the machine may discard it by its size.
    func write(_ outgoing: MQTTSessionStateMachine.OutgoingPublish) -> Action {
        guard let context else { return .none }
        let message = outgoing.delivery.message
        var buffer = context.channel.allocator.buffer(capacity: message.payload.readableBytes + message.topic.utf8.count + 16)
        outgoing.encode(version: machine.version, into: &buffer)
        let verdict = machine.encoded(outgoing, size: buffer.readableBytes)
        guard case .none = verdict else { return verdict }
        context.write(wrapOutboundOut(buffer), promise: nil)
        scheduleFlushAfterWrite()
        return .none
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
        guard let context else { return }
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

    // MARK: The end

    /// The connection is gone: the broker takes back the session's unacknowledged messages, and
    /// its will goes out (after its delay, unless the session was resumed meanwhile).
    func finish(_ end: MQTTSessionStateMachine.SessionEnd?) {
        cancelTimers()
        keepAliveCheck?.cancel()
        keepAliveCheck = nil
        broker.releaseConnection()
        if let watch { broker.unwatch(watch, connectionID: id) }
        // Publishers waiting for this connection to drain must not wait for a closed one.
        for publisher in congestion.end() { publisher.releaseAcknowledgements() }
        guard let end else { return }
        let client = end.client
        broker.detach(
            client.sessionKey, connectionID: id, unacknowledged: end.unacknowledged, awaitingRelease: end.awaitingRelease,
            expiryInterval: end.expiryInterval)
        guard let will = end.will else { return }
        let message = BrokerMessage(will: will.will, publisher: client.sessionKey, now: broker.clock.now)
        guard will.delay > 0, let context else {
            broker.publish(message, household: client.household)
            return
        }
        let broker = self.broker
        let generation = end.generation
        context.eventLoop.scheduleTask(in: .seconds(Int64(will.delay))) {
            guard !broker.sessionMoved(client.sessionKey, since: generation) else { return }
            broker.publish(message, household: client.household)
        }
    }
}
