import Foundation
import HearthCore
import HearthMQTT
import NIOCore

/// A message inside the broker: topic relative to its household, payload, and the MQTT 5
/// properties that travel with it from publisher to subscribers.
///
/// A class, immutable: one message is shared by every delivery of it instead of copying its
/// payload reference and properties into each.
final class BrokerMessage: Sendable {
    let topic: String
    let payload: ByteBuffer
    let qos: QoS
    let retain: Bool
    /// Payload format, content type, response topic, correlation data and user properties, which
    /// the broker forwards untouched (MQTT 5 §3.3.2.3).
    let properties: MQTTProperties
    /// When the message stops being delivered (MQTT 5 Message Expiry Interval), by the broker's clock.
    let expiresAt: Date?
    /// The publisher's session key (for No Local).
    let publisher: String
    /// The declared telemetry flow it belongs to, when the privacy gate let it in.
    let flow: FlowTag?

    init(
        topic: String, payload: ByteBuffer, qos: QoS, retain: Bool, properties: MQTTProperties,
        expiresAt: Date?, publisher: String, flow: FlowTag? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
        self.expiresAt = expiresAt
        self.publisher = publisher
        self.flow = flow
    }

    /// A client's PUBLISH (its topic alias resolved) as the broker keeps it. `now` is read only
    /// for a message with an expiry interval: most have none, and this runs per message.
    convenience init(_ publish: PublishPacket, publisher: String, now: @autoclosure () -> Date) {
        self.init(
            topic: publish.topic, payload: publish.payload, qos: publish.qos, retain: publish.retain,
            properties: Self.forwarded(publish.properties),
            expiresAt: publish.properties.messageExpiryInterval.map { now().addingTimeInterval(TimeInterval($0)) }, publisher: publisher)
    }

    /// A telemetry PUBLISH as the privacy gate let it in (`TelemetryInspection.forward`) at `now`
    /// (the gate's time): its minimized payload, its flow, and an expiry no later than the end of
    /// the flow's retention.
    convenience init(_ publish: PublishPacket, publisher: String, admitted payload: ByteBuffer, flow: FlowTag, retentionEnd: Date, now: Date) {
        let asked = publish.properties.messageExpiryInterval.map { now.addingTimeInterval(TimeInterval($0)) }
        self.init(
            topic: publish.topic, payload: payload, qos: publish.qos, retain: publish.retain, properties: Self.forwarded(publish.properties),
            expiresAt: asked.map { min($0, retentionEnd) } ?? retentionEnd, publisher: publisher, flow: flow)
    }

    /// The properties of a PUBLISH that the broker forwards untouched: payload format, content
    /// type, response topic, correlation data and user properties.
    private static func forwarded(_ properties: MQTTProperties) -> MQTTProperties {
        guard !properties.isEmpty else { return .none }
        let source = properties.values
        var values = MQTTProperties.Values()
        values.payloadFormatIndicator = source.payloadFormatIndicator
        values.contentType = source.contentType
        values.responseTopic = source.responseTopic
        values.correlationData = source.correlationData
        values.userProperties = source.userProperties
        return MQTTProperties(values)
    }

    convenience init(will: Will, publisher: String, now: Date) {
        self.init(
            PublishPacket(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties: will.properties),
            publisher: publisher, now: now)
    }

    /// `now` is read only when the message has an expiry.
    func isExpired(at now: @autoclosure () -> Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now()
    }
}

/// One copy of a message on its way to one session, at the QoS of the matching subscription.
struct Delivery: Sendable {
    var message: BrokerMessage
    var qos: QoS
    var retain: Bool
    var subscriptionIdentifiers: [UInt32]
    /// Set when the message was sent on a connection that closed before it was acknowledged:
    /// the next connection resends it with this id (DUP), or its PUBREL when `released`.
    var packetID: UInt16? = nil
    var released = false
    /// The sequence number of its stored copy (``StorageChange/queued(key:sequence:_:)``),
    /// deleted when the client acknowledges it.
    var storedAs: Int64? = nil
}
