import struct Foundation.Date
import HearthMQTT
import NIOCore

/// How the shared broker reaches one connection: everything hops onto the connection's event
/// loop, where its ``MQTTConnection`` lives.
struct ConnectionHandle: Sendable {
    let id: UInt64
    let connection: NIOLoopBound<MQTTConnection>
    let congestion: Congestion
    /// Whether its client is an app, the only kind that may receive telemetry: what the session
    /// it attaches to records too, asked here without a lookup for every message routed to it.
    let isApp: Bool

    /// `routedAt`: when the message was routed, if the router read the time: what the copy's
    /// expiry is counted from on the connection's loop too — it waits there well under a second,
    /// and the expiry counts whole seconds.
    func deliver(_ delivery: Delivery, routedAt: Date?) {
        let connection = self.connection
        if connection.eventLoop.inEventLoop {
            connection.value.deliver(delivery, routedAt: routedAt)
        } else {
            connection.eventLoop.execute { connection.value.deliver(delivery, routedAt: routedAt) }
        }
    }

    /// A subscriber this connection fed has drained: acknowledgements held for it go out.
    func releaseAcknowledgements() {
        let connection = self.connection
        if connection.eventLoop.inEventLoop {
            connection.value.releaseAcknowledgements()
        } else {
            connection.eventLoop.execute { connection.value.releaseAcknowledgements() }
        }
    }

    /// Ends the connection (MQTT 5 clients are told why with a DISCONNECT first).
    func terminate(_ reason: ReasonCode, _ text: String) {
        let connection = self.connection
        connection.eventLoop.execute { connection.value.terminate(reason, text) }
    }
}
