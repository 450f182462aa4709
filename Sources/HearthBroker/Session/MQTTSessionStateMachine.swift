import Foundation
import HearthCore
import HearthMQTT
import NIOCore

/// The MQTT session of one connection, from CONNECT to close: events go in (a decoded packet, a
/// decision or a storage result, a message for the client, a timer, the end of the connection)
/// and each returns the ``Action`` to carry out next. ``MQTTConnection`` is its executor.
///
/// It reads no clock and touches no channel, broker or store — time comes in with the events —
/// so every ordering rule of the protocol can be tested in memory. Packets are handled strictly
/// in order: while the machine waits for a result (``awaiting``), later packets are held.
///
/// One event gives one action. What a single event sets going beyond that (the held packets
/// after a decision, a resumed session's messages after the CONNACK, the retained messages after
/// a SUBACK) is taken one action at a time with ``next(now:writable:)`` until it says `.none`:
/// the queues it drains are the machine's own, so nothing is allocated per message for it.
struct MQTTSessionStateMachine {
    enum Phase: Equatable { case awaitingConnect, authenticating, relayed, connected, closed }

    /// A result the machine waits for before it handles the next packet.
    /// The CONNECT cases are boxed: they come once a connection, and unboxed they would make
    /// every message's waits copy their size.
    enum Awaiting {
        indirect case authentication(ConnectPacket)
        indirect case attachment(ConnectPacket, BrokerClient, requestedExpiry: UInt32, credentialValidFor: TimeInterval)
        case sessionStored(ConnAckPacket, resumed: [Delivery])
        case publishDecision(PublishPacket, topic: String)
        case routing(PublishReceipt)
        case publishStored(PublishReceipt)
        case subscribing(packetID: UInt16, codes: [ReasonCode])
        case subscriptionStored(packetID: UInt16, codes: [ReasonCode], retained: [Delivery])
        case unsubscribing(packetID: UInt16)
        case unsubscriptionStored(packetID: UInt16, existed: [Bool])
    }

    /// What an acknowledgement of a client's PUBLISH needs, without holding on to its payload.
    struct PublishReceipt: Equatable {
        let qos: QoS
        let packetID: UInt16?
    }

    static let maximumHeld = 64
    static let congestedAt = 64
    static let drainedAt = 16
    static let maximumPermittedTopics = 64
    static let permitted = PolicyDecision.allow("a topic already allowed on this connection")

    let limits: BrokerConfiguration
    var phase = Phase.awaitingConnect
    var version = MQTTVersion.v311
    var client: BrokerClient?
    var awaiting: Awaiting?
    /// The broker holds this connection as its session's.
    var attached = false
    var will: Will?
    var sessionExpiry: UInt32 = 0
    var generation: UInt64 = 0

    // Input
    var held: [MQTTPacket] = []
    var readingPaused = false
    /// The channel closed while a result was awaited: the session ends once it is handled.
    var inputEnded = false
    var finished = false
    /// A second action one event gives (a denial recorded, then the acknowledgement).
    var followUp: Action?
    /// When bytes last arrived, and how long the client may stay silent.
    var lastReceived: NIODeadline
    var keepAliveLimit: TimeAmount?

    // Broker → client
    var nextPacketID: UInt16 = 0
    var inflight: [UInt16: Delivery] = [:]
    /// Packet ids of QoS 2 messages whose PUBREC arrived (PUBREL sent, waiting for PUBCOMP).
    var released: Set<UInt16> = []
    var pending: [Delivery] = []
    /// Mirrors the connection's ``Congestion`` flag, which only this machine's actions set and clear.
    var congested = false
    /// An acknowledgement freed in-flight room: ``pending`` is sent on from ``next(now:writable:)``.
    var drainPending = false
    /// Messages routed to the session while its CONNACK waited for storage.
    var beforeConnAck: [Delivery] = []
    /// A resumed session's messages, sent after the CONNACK.
    var resuming: ArraySlice<Delivery> = []
    /// Messages to deliver in turn: those that came before the CONNACK, retained ones after a SUBACK.
    var delivering: ArraySlice<Delivery> = []
    /// Acknowledgements to this client held, in order, until the subscribers it fed drain.
    var heldAcknowledgements: [MQTTPacket] = []
    var holdingAcknowledgements = false
    /// Held acknowledgements being let go after the subscribers drained.
    var releasingAcknowledgements = false
    var sendQuota = 65_535
    var clientMaximumPacketSize = Int(UInt32.max)

    // Client → broker
    var awaitingRelease: Set<UInt16> = []
    var topicAliases: [UInt16: String] = [:]
    /// Topics this client was allowed to publish to that name no other device: such a decision
    /// rests only on the client's own facts, which cannot change while it is connected (a change
    /// ends the session), so it is remembered for the connection.
    var permittedTopics: Set<String> = []
    /// Commands to other devices allowed on this connection, on the broker's device facts as of
    /// ``deviceFactsGeneration``: a newer generation (a device moved, quarantined…) asks again.
    var permittedCommandTopics: Set<String> = []
    var deviceFactsGeneration: UInt64 = 0

    init(limits: BrokerConfiguration, now: NIODeadline) {
        self.limits = limits
        lastReceived = now
    }

    /// Whether decoded packets are still wanted.
    var acceptsInput: Bool { phase != .closed }

    // MARK: Connection events

    /// Bytes arrived (the keep-alive counts from the last).
    mutating func inputReceived(at now: NIODeadline) {
        lastReceived = now
    }

    mutating func packetReceived(_ packet: MQTTPacket, now: @autoclosure () -> Date) -> Action {
        guard phase != .closed else { return .none }
        if awaiting != nil {
            held.append(packet)
            // Reading stops while a backlog waits, so a client cannot pile up packets in memory.
            if held.count == Self.maximumHeld, !readingPaused {
                readingPaused = true
                return .pauseReading
            }
            return .none
        }
        return handle(packet, now: now())
    }

    /// Bytes that are not a packet end the connection with the reason code that says why.
    mutating func decodingFailed(_ error: MQTTProtocolError) -> Action {
        switch phase {
        case .awaitingConnect where error.reason == .unsupportedProtocolVersion:
            // MQTT 3.1.1 §3.1.2.2: an unknown level is answered with return code 1, then the connection closes.
            phase = .closed
            return .close(sending: .connack(ConnAckPacket(sessionPresent: false, reasonCode: .unsupportedProtocolVersion)))
        case .connected, .authenticating:
            return terminate(error.reason, error.detail)
        case .awaitingConnect, .relayed, .closed:
            return close()
        }
    }

    /// The connect timeout: a connection that has not finished its CONNECT by now is dropped
    /// without waiting for writes (one that never finished TLS holds them for good).
    mutating func connectTimeoutElapsed() -> Action {
        guard phase == .awaitingConnect || phase == .authenticating else { return .none }
        phase = .closed
        return .closeNow
    }

    /// Time to check the keep-alive: nothing received for one and a half keep-alives ends the connection.
    mutating func keepAliveCheckDue(now: NIODeadline) -> Action {
        guard phase != .closed, let limit = keepAliveLimit else { return .none }
        guard now < lastReceived + limit else {
            return terminate(.keepAliveTimeout, "nothing received for one and a half keep-alive periods")
        }
        return .scheduleKeepAliveCheck(lastReceived + limit)
    }

    /// Ends the session's connection for `reason`; an MQTT 5 client is told with a DISCONNECT.
    mutating func terminate(_ reason: ReasonCode, _ text: String) -> Action {
        guard phase != .closed else { return .none }
        var disconnect: MQTTPacket?
        if version == .v5, phase == .connected {
            var properties = MQTTProperties()
            properties.reasonString = text
            disconnect = .disconnect(DisconnectPacket(reasonCode: reason, properties: properties))
        }
        phase = .closed
        return .close(sending: disconnect)
    }

    /// Closes after what was written has gone out.
    mutating func close() -> Action {
        guard phase != .closed else { return .none }
        phase = .closed
        return .close(sending: nil)
    }

    /// The channel is gone. Packets the client sent before it closed still count (a PUBLISH,
    /// then DISCONNECT, then the socket closed): while a result is awaited, the end waits for it.
    mutating func channelClosed() -> Action {
        inputEnded = true
        guard awaiting == nil else { return .none }
        return finish()
    }

    /// The next action of what an earlier event set going, or `.none` when there is nothing to do.
    mutating func next(now: @autoclosure () -> Date, writable: @autoclosure () -> Bool) -> Action {
        // Checked without copying the action out: this runs after every event.
        if followUp != nil {
            defer { followUp = nil }
            if case .none? = followUp {} else { return followUp! }
        }
        if releasingAcknowledgements {
            if !heldAcknowledgements.isEmpty { return .send(heldAcknowledgements.removeFirst()) }
            releasingAcknowledgements = false
        }
        if let delivery = resuming.popFirst() { return resume(delivery, now: now(), writable: writable()) }
        if let delivery = delivering.popFirst() { return deliver(delivery, now: now(), writable: writable()) }
        if drainPending {
            if inflight.count < sendQuota, !pending.isEmpty {
                return deliver(pending.removeFirst(), now: now(), writable: writable())
            }
            drainPending = false
            if pending.count <= Self.drainedAt, congested {
                congested = false
                return .endCongestion
            }
        }
        guard awaiting == nil else { return .none }
        if phase == .connected, !held.isEmpty { return handle(held.removeFirst(), now: now()) }
        if held.isEmpty, readingPaused {
            readingPaused = false
            return .resumeReading
        }
        if inputEnded, !finished { return finish() }
        return .none
    }

    // MARK: Packets

    mutating func handle(_ packet: MQTTPacket, now: @autoclosure () -> Date) -> Action {
        switch (phase, packet) {
        case (.awaitingConnect, .connect(let connect)):
            return startConnect(connect)
        case (.connected, .publish(let publish)):
            return receivePublish(publish)
        case (.connected, .ack(let ack)):
            return receiveAck(ack)
        case (.connected, .subscribe(let subscribe)):
            return receiveSubscribe(subscribe, now: now())
        case (.connected, .unsubscribe(let unsubscribe)):
            awaiting = .unsubscribing(packetID: unsubscribe.packetID)
            return .unsubscribe(unsubscribe.filters)
        case (.connected, .pingreq):
            return .send(.pingresp)
        case (.connected, .disconnect(let disconnect)):
            if disconnect.reasonCode != .disconnectWithWill { will = nil }
            if version == .v5, let expiry = disconnect.properties.sessionExpiryInterval {
                guard sessionExpiry > 0 || expiry == 0 else {
                    return terminate(.protocolError, "a session that expires at disconnect cannot be extended at DISCONNECT")
                }
                sessionExpiry = min(expiry, limits.maximumSessionExpiry)
            }
            return close()
        case (.connected, .connect):
            return terminate(.protocolError, "a second CONNECT")
        default:
            return terminate(.protocolError, "a packet the broker does not accept here")
        }
    }

    /// A storage write the machine waited for is done (`stored` false: it failed).
    mutating func stored(_ stored: Bool) -> Action {
        guard let awaiting else { return .none }
        self.awaiting = nil
        guard phase != .closed else { return .none }
        switch awaiting {
        case .sessionStored(let connack, let resumed):
            return sessionStored(stored, connack, resumed: resumed)
        case .publishStored(let receipt):
            guard stored else { return terminate(.unspecifiedError, "the broker could not store the message; send it again") }
            return acknowledge(receipt, decision: Self.permitted)
        case .subscriptionStored(let packetID, let codes, let retained):
            return subscriptionStored(stored, packetID: packetID, codes: codes, retained: retained)
        case .unsubscriptionStored(let packetID, let existed):
            let codes: [ReasonCode] = existed.map { stored ? ($0 ? .success : .noSubscriptionExisted) : .unspecifiedError }
            return .send(.unsuback(UnsubAckPacket(packetID: packetID, reasonCodes: codes)))
        default:
            // Not a storage wait: the result belongs to another event.
            self.awaiting = awaiting
            return .none
        }
    }

    /// Waits for storage up to `position` before `then` (at once when there is nothing to wait for).
    mutating func afterStorage(_ position: UInt64, awaiting: Awaiting) -> Action {
        self.awaiting = awaiting
        guard position > 0 else { return stored(true) }
        return .awaitStorage(position)
    }

    // MARK: The end

    /// The session keeps what was not acknowledged; the will goes out unless the client said goodbye.
    mutating func finish() -> Action {
        finished = true
        phase = .closed
        congested = false
        guard attached, let client else { return .finish(nil) }
        attached = false
        var unacknowledged = inflight.sorted { $0.key < $1.key }.map { id, delivery in
            var kept = delivery
            kept.packetID = id
            kept.released = released.contains(id)
            return kept
        }
        unacknowledged += pending + beforeConnAck + delivering
        inflight = [:]
        pending = []
        beforeConnAck = []
        delivering = []
        let will = self.will
        self.will = nil
        return .finish(SessionEnd(
            client: client, unacknowledged: unacknowledged.filter { $0.qos > .atMostOnce }, awaitingRelease: awaitingRelease,
            expiryInterval: sessionExpiry, generation: generation,
            will: will.map { WillRelease(will: $0, delay: min($0.properties.willDelayInterval ?? 0, sessionExpiry)) }))
    }
}
