import Foundation
import HearthCore
import HearthMQTT
import NIOCore

extension MQTTSessionStateMachine {
    /// What the executor does next. Actions that ask for something (authentication, attaching,
    /// a policy decision, routing, storage) leave the machine waiting for the matching event.
    ///
    /// An action is as large as its largest case and is copied at every step, so the cases that
    /// come once a connection, or only on a refusal, are boxed to keep a message's actions small.
    enum Action {
        /// Nothing (from ``MQTTSessionStateMachine/next(now:writable:)``: nothing left to do).
        case none
        /// A control packet to the client, flushed with the others of this round.
        case send(MQTTPacket)
        /// A message to the client. The executor encodes it in place and reports its size
        /// (``MQTTSessionStateMachine/encoded(_:size:)``), which may discard it.
        case sendPublish(OutgoingPublish)
        case pauseReading
        case resumeReading

        // CONNECT
        /// Who the client is: the gatekeeper's verdict comes back through ``MQTTSessionStateMachine/authenticated(_:now:)``.
        indirect case authenticate(ConnectPacket)
        /// Binds the connection to its session (ending another connection that held it); the
        /// broker's answer comes back through ``MQTTSessionStateMachine/attached(_:)``.
        case attach(BrokerClient, cleanStart: Bool, expiryInterval: UInt32)
        /// Starts the session's timers: the keep-alive check, and the end of the credential.
        case watchSession(keepAliveCheckAt: NIODeadline, credentialValidFor: TimeAmount)
        case scheduleKeepAliveCheck(NIODeadline)
        /// Answers a CONNECT with a refusal and closes; `reason` is for the log.
        case refuse(ConnAckPacket, reason: String)

        // Messages
        /// Whether the client may publish to a topic not yet allowed on this connection (a
        /// command to another device needs that device's record): the decision comes back
        /// through ``MQTTSessionStateMachine/policyDecided(_:onOwnFacts:onDeviceFacts:target:)``.
        case askPolicy(PublishQuestion)
        indirect case recordDenial(Denial)
        /// The policy held the command for an owner's approval: the executor keeps it (through
        /// detection, which raises the alert), the client has been told it is held.
        indirect case holdCommand(client: BrokerClient, target: DeviceFacts, topic: String, payload: ByteBuffer, reason: String)
        /// Routes the client's message (its topic alias resolved: the packet's topic is the
        /// message's); where the broker stored it comes back through
        /// ``MQTTSessionStateMachine/routed(durable:holdAcknowledgements:)``. `watchCongestion`:
        /// the publisher waits for acknowledgements, so congested subscribers may hold them.
        /// The packet, not the broker's message: the connection makes that once the privacy gate
        /// has seen it, so a telemetry message the gate rewrites is one object, not two.
        case route(PublishPacket, watchCongestion: Bool)
        case subscribe([SubscriptionGrant], denials: [Denial])
        case unsubscribe([String])
        /// Waits until the outbox has stored everything up to the position, then
        /// ``MQTTSessionStateMachine/stored(_:)``.
        case awaitStorage(UInt64)
        /// The client has (or can never have) the message: its stored copy goes.
        case settle(Delivery)
        /// A message the client cannot take (too large for it, or its queue is full): settled
        /// (a stored copy is not sent again) and counted as dropped.
        case discard(Delivery)
        /// A message for a session whose connection is closing: kept for the next one.
        case requeue(Delivery)
        case countDropped
        /// The queue of messages waiting for in-flight room is long: publishers feeding this
        /// client hold their acknowledgements until it drains.
        case beginCongestion
        case endCongestion

        // The end
        /// Sends the packet, if any, and closes once what was written has gone out.
        case close(sending: MQTTPacket?)
        /// Closes without waiting for writes.
        case closeNow
        /// The connection is over: the broker takes back the session (nil: it never had one).
        indirect case finish(SessionEnd?)
    }

    /// A PUBLISH to the client, with the delivery it carries. It holds what the packet is made
    /// of rather than the packet, which the executor builds as it encodes: an action is copied at
    /// every step, and this is the largest one a message takes.
    struct OutgoingPublish {
        let delivery: Delivery
        let packetID: UInt16?
        var dup = false
        /// MQTT 5: the subscription identifiers that matched go along.
        var withSubscriptionIdentifiers = false
        /// MQTT 5: the seconds an expiring message has left.
        var messageExpiryInterval: UInt32?

        /// Appends the PUBLISH's bytes to `buffer`: the message's properties with this copy's own
        /// values written in as it is encoded (a property set made anew for each copy took two
        /// allocations and a comparison of every field, on every telemetry message to an MQTT 5
        /// client: each has an expiry, its flow's retention).
        func encode(version: MQTTVersion, into buffer: inout ByteBuffer) {
            MQTTCodec.encode(messagePacket, copy: copyProperties, version: version, into: &buffer)
        }

        /// The PUBLISH with the message's own properties.
        var messagePacket: PublishPacket {
            PublishPacket(
                topic: delivery.message.topic, payload: delivery.message.payload, qos: delivery.qos, retain: delivery.retain,
                dup: dup, packetID: packetID, properties: delivery.message.properties)
        }

        /// What this copy writes in place of the message's own properties.
        var copyProperties: PublishCopyProperties {
            PublishCopyProperties(
                messageExpiryInterval: messageExpiryInterval,
                subscriptionIdentifiers: withSubscriptionIdentifiers ? delivery.subscriptionIdentifiers : nil)
        }
    }

    struct PublishQuestion {
        let client: BrokerClient
        let topic: String
    }

    struct Denial {
        let client: BrokerClient
        let action: PolicyAction
        let decision: PolicyDecision
        /// The topic, filter or client identifier refused (for the audit summary).
        let sample: String
    }

    /// The broker's answer to ``Action/attach(_:cleanStart:expiryInterval:)``.
    struct Attachment {
        let sessionPresent: Bool
        let resumed: [Delivery]
        let awaitingRelease: Set<UInt16>
        let generation: UInt64
        /// The outbox position to wait for before the CONNACK.
        let durable: UInt64
    }

    /// What a closed connection leaves to the broker.
    struct SessionEnd {
        let client: BrokerClient
        /// QoS 1 and 2 messages not acknowledged, in order: in flight (with their ids), then waiting.
        let unacknowledged: [Delivery]
        let awaitingRelease: Set<UInt16>
        let expiryInterval: UInt32
        /// Counts connections of the session: a delayed will is not sent once another took it.
        let generation: UInt64
        /// The will, when the client did not say goodbye.
        let will: WillRelease?
    }

    struct WillRelease {
        let will: Will
        /// Seconds before it is published (MQTT 5 Will Delay Interval, at most the session expiry).
        let delay: UInt32
    }
}
