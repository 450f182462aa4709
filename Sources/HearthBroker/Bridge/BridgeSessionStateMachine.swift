import Foundation
import HearthMQTT
import NIOCore

/// One MQTT 3.1.1 client session from the hub to an external broker, that only publishes at
/// QoS 1: events go in (the transport is up, a packet arrived, a timer ticked, the connection
/// closed, a message was offered or withdrawn) and each returns the ``Action``s to carry out.
/// ``BridgeLink`` is its executor.
///
/// It reads no clock and touches no channel — times come with the events, and the jitter of the
/// reconnect back-off too — so every rule is tested in memory.
///
/// The session is kept by the broker across connections (Clean Session 0), and messages not
/// acknowledged when a connection ends are sent again on the next, with DUP set and their
/// original packet identifiers (MQTT 3.1.1 §4.4).
struct BridgeSessionStateMachine {
    enum Phase: Equatable {
        /// Not started yet.
        case idle
        /// TCP under way.
        case connecting(since: Date)
        /// CONNECT written (it leaves once TLS is up), CONNACK awaited.
        case awaitingConnAck(since: Date)
        case connected
        /// A close was asked for; waiting for the connection to be gone.
        case closing
        case waitingToReconnect
        case stopped
    }

    let clientID: String
    /// Seconds; 0: no keep-alive.
    let keepAlive: UInt16
    let limits: Limits
    private(set) var phase = Phase.idle
    /// ``stop()`` was called: the connection ends for good.
    private(set) var stopping = false
    var backoff = BridgeBackoff()

    var queue = CircularBuffer<BridgeMessage>()
    /// In the order sent, so the first is the one waited for longest.
    var inFlight: [InFlight] = []
    var lastPacketID: UInt16 = 0
    /// When a packet last went to the broker: the keep-alive counts from it (§3.1.2.10).
    var lastSent: Date?
    var pingSentAt: Date?

    var acknowledgedTotal = 0
    var droppedTotal = 0
    var discardedTotal = 0
    /// Why the last connection or attempt failed, or the last message was dropped; never holds
    /// a payload or key.
    var lastError: String?

    init(clientID: String, keepAlive: UInt16, limits: Limits = Limits()) {
        self.clientID = clientID
        self.keepAlive = keepAlive
        self.limits = limits
        queue.reserveCapacity(min(limits.queueCapacity, 1024))
    }

    var status: BridgeStatus {
        BridgeStatus(
            connected: phase == .connected, queued: queue.count, inFlight: inFlight.count,
            acknowledgedTotal: acknowledgedTotal, droppedTotal: droppedTotal, discardedTotal: discardedTotal,
            lastError: lastError)
    }

    // MARK: The connection

    mutating func start(now: Date) -> [Action] {
        guard phase == .idle, !stopping else { return [] }
        phase = .connecting(since: now)
        return [.connect]
    }

    /// TCP is up: CONNECT goes out. The executor's TLS layer holds it until the handshake has
    /// verified the broker, so nothing reaches a broker that is not trusted.
    mutating func transportReady(now: Date) -> [Action] {
        guard case .connecting = phase else { return [] }
        phase = .awaitingConnAck(since: now)
        lastSent = now
        let connect = ConnectPacket(version: .v311, clientID: clientID, cleanStart: false, keepAlive: keepAlive)
        return [.send([.connect(connect)])]
    }

    mutating func packetReceived(_ packet: MQTTPacket, now: Date) -> [Action] {
        switch (phase, packet) {
        case (.awaitingConnAck, .connack(let connack)):
            guard !connack.reasonCode.isFailure else {
                return fail("the broker refused the connection: \(connack.reasonCode)")
            }
            phase = .connected
            backoff.reset()
            pingSentAt = nil
            return resendInFlight(now: now) + fillWindow(now: now)
        case (.connected, .ack(let ack)) where ack.kind == .puback:
            return acknowledge(ack.packetID, now: now)
        case (.connected, .pingresp):
            pingSentAt = nil
            return []
        case (.closing, _), (.stopped, _):
            return []
        default:
            return fail("the broker sent \(Self.name(of: packet)) where MQTT 3.1.1 allows none to a publishing client")
        }
    }

    /// Bytes from the broker that are not a packet. The error names the field, never its content.
    mutating func decodingFailed(_ error: MQTTProtocolError) -> [Action] {
        fail("the broker sent bytes that are not MQTT 3.1.1: \(error.detail)")
    }

    /// The connection, or the attempt to make one, is over; `reason` says why when the transport
    /// knows (a refused TCP connection, a certificate not trusted).
    mutating func connectionClosed(reason: String?, now: Date, jitter: Double) -> [Action] {
        pingSentAt = nil
        switch phase {
        case .idle, .waitingToReconnect, .stopped:
            return []
        case _ where stopping:
            phase = .stopped
            return []
        case .connected:
            lastError = reason ?? "the broker closed the connection"
        case .connecting, .awaitingConnAck:
            lastError = reason ?? "the connection closed before the broker accepted it"
        case .closing:
            // The machine closed it and already said why; what the transport adds is an echo.
            if lastError == nil { lastError = reason }
        }
        phase = .waitingToReconnect
        return [.scheduleReconnect(after: backoff.nextDelay(jitter: jitter))]
    }

    mutating func reconnectDue(now: Date) -> [Action] {
        guard phase == .waitingToReconnect, !stopping else { return [] }
        phase = .connecting(since: now)
        return [.connect]
    }

    /// Ends the session for good: DISCONNECT when connected (the broker then keeps no will and
    /// closes cleanly), and no reconnect. Messages still queued stay unsent.
    mutating func stop() -> [Action] {
        guard !stopping else { return [] }
        stopping = true
        switch phase {
        case .idle:
            phase = .stopped
            return []
        case .waitingToReconnect:
            phase = .stopped
            return [.cancelReconnect]
        case .connected:
            phase = .closing
            return [.close(sending: .disconnect(DisconnectPacket()))]
        case .connecting, .awaitingConnAck:
            phase = .closing
            return [.close(sending: nil)]
        case .closing, .stopped:
            return []
        }
    }

    // MARK: Time

    /// A timer tick (the executor ticks every second): the deadlines of the connection attempt,
    /// the CONNACK, the oldest PUBACK and the PINGRESP, and the keep-alive's PINGREQ.
    mutating func tick(now: Date) -> [Action] {
        let timeout = limits.responseTimeout
        switch phase {
        case .connecting(let since) where now.timeIntervalSince(since) >= timeout:
            return fail("no connection to the broker within \(Self.seconds(timeout))")
        case .awaitingConnAck(let since) where now.timeIntervalSince(since) >= timeout:
            return fail("no CONNACK from the broker within \(Self.seconds(timeout))")
        case .connected:
            if let oldest = inFlight.first, now.timeIntervalSince(oldest.sentAt) >= timeout {
                return fail("no PUBACK from the broker within \(Self.seconds(timeout))")
            }
            if let pingSentAt, now.timeIntervalSince(pingSentAt) >= timeout {
                return fail("no PINGRESP from the broker within \(Self.seconds(timeout))")
            }
            guard keepAlive > 0, pingSentAt == nil, let lastSent,
                now.timeIntervalSince(lastSent) >= TimeInterval(keepAlive)
            else { return [] }
            pingSentAt = now
            self.lastSent = now
            return [.send([.pingreq])]
        default:
            return []
        }
    }

    // MARK: Helpers

    /// Closes the connection for `reason`, which the status shows.
    mutating func fail(_ reason: String) -> [Action] {
        lastError = reason
        phase = .closing
        return [.close(sending: nil)]
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval)) s" : "\(interval) s"
    }

    static func name(of packet: MQTTPacket) -> String {
        switch packet {
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .ack(let ack): "\(ack.kind)".uppercased()
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsuback: "UNSUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        case .auth: "AUTH"
        }
    }
}
