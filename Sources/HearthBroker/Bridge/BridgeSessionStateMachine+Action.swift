import Foundation
import HearthMQTT
import NIOCore

/// A message on its way to the external broker: queued, then in flight until its PUBACK.
struct BridgeMessage: Equatable {
    /// The whole topic, the destination's prefix included.
    let topic: String
    let payload: ByteBuffer
    /// The caller's name for what the message belongs to (a flow): acknowledgements report it,
    /// and a withdrawal removes the queued messages that carry it.
    let tag: String
    /// The order the link took it in, which a withdrawal compares with (``BridgeWithdrawals``).
    var sequence: UInt64 = 0
}

extension BridgeSessionStateMachine {
    /// What the executor does next, in the order an event returns them.
    enum Action: Equatable {
        /// Opens TCP and TLS to the destination; ``BridgeSessionStateMachine/transportReady(now:)``
        /// follows the handshake, ``BridgeSessionStateMachine/connectionClosed(reason:now:jitter:)`` a failure.
        case connect
        /// Writes these packets in order, and flushes.
        case send([MQTTPacket])
        /// Writes the packet, if any, then closes; the close comes back as
        /// ``BridgeSessionStateMachine/connectionClosed(reason:now:jitter:)``.
        case close(sending: MQTTPacket?)
        /// Calls ``BridgeSessionStateMachine/reconnectDue(now:)`` after the delay.
        case scheduleReconnect(after: TimeAmount)
        case cancelReconnect
        /// The broker has the message (its PUBACK came): report it to the caller.
        case acknowledged(tag: String, bytes: Int)
    }

    /// A message sent and not yet acknowledged, with the packet identifier it keeps until then
    /// (MQTT 3.1.1 §4.4: a resend after a reconnect uses the original identifier).
    struct InFlight: Equatable {
        let packetID: UInt16
        let message: BridgeMessage
        var sentAt: Date
    }

    struct Limits: Equatable {
        /// Messages waiting for room in the window; a full queue drops its oldest.
        var queueCapacity = 10_000
        /// QoS 1 messages sent and not yet acknowledged.
        var window = 32
        /// How long the broker may take to finish a connection, answer CONNECT, a PUBLISH or a PINGREQ.
        var responseTimeout: TimeInterval = 30
        /// The largest Remaining Length of a PUBLISH (MQTT 3.1.1 §2.2.3); a larger message could
        /// never be sent, so it is dropped when offered rather than left to trap the encoder.
        var maximumRemainingLength = 268_435_455
    }
}
