import Foundation
import HearthCore
import HearthMQTT
import NIOCore

extension MQTTConnection {
    /// PUBLISH from the client: topic alias, duplicate QoS 2, policy (a command to another
    /// device needs its record), routing, acknowledgement.
    func receivePublish(_ publish: PublishPacket) {
        guard let client else { return }
        var topic = publish.topic
        if version == .v5, let alias = publish.properties.topicAlias {
            guard alias > 0, alias <= broker.configuration.topicAliasMaximum else {
                return terminate(.topicAliasInvalid, "topic alias \(alias) is outside 1…\(broker.configuration.topicAliasMaximum)")
            }
            if topic.isEmpty {
                guard let known = topicAliases[alias] else {
                    return terminate(.protocolError, "topic alias \(alias) was never set")
                }
                topic = known
            } else {
                topicAliases[alias] = topic
            }
        }
        guard !topic.isEmpty else { return terminate(.protocolError, "a PUBLISH without a topic") }
        if publish.qos == .exactlyOnce, let id = publish.packetID {
            if awaitingRelease.contains(id) {
                // The client resent a message already routed: acknowledge, do not route it again.
                return send(.ack(AckPacket(.pubrec, packetID: id)))
            }
            guard awaitingRelease.count < Int(broker.configuration.maximumInflight) else {
                return terminate(.receiveMaximumExceeded, "more unreleased QoS 2 messages than the Receive Maximum")
            }
        }
        if permittedTopics.contains(topic) { return complete(publish, topic: topic, decision: Self.permitted) }
        let generation = broker.deviceGeneration
        if generation != commandsGeneration {
            permittedCommands.removeAll()
            commandsGeneration = generation
        }
        if permittedCommands.contains(topic) { return complete(publish, topic: topic, decision: Self.permitted) }
        let messaging = MessagingTopic(topic)
        let ownID: Substring? = if case .device(let device, _) = client.subject { Substring(device.id.rawValue) } else { nil }
        guard let target = messaging.commandTarget, target != ownID else {
            let decision = decide(client, messaging, commanding: nil)
            // Such a decision rests only on this client's own facts, which cannot change while it
            // is connected (a change ends the session), so it is remembered for the connection.
            if decision.allowed, permittedTopics.count < Self.maximumPermittedTopics { permittedTopics.insert(topic) }
            return complete(publish, topic: topic, decision: decision)
        }
        if let known = broker.cachedDevice(target, in: client.household) {
            let decision = decide(client, messaging, commanding: known)
            // Good until the device facts it rests on are dropped (the next access change).
            if decision.allowed, permittedCommands.count < Self.maximumPermittedTopics { permittedCommands.insert(topic) }
            return complete(publish, topic: topic, decision: decision)
        }
        let broker = self.broker
        let household = client.household
        let name = String(target)
        offLoop({ await broker.lookUpDevice(Substring(name), in: household) }) { [self] device in
            complete(publish, topic: topic, decision: decide(client, messaging, commanding: device))
        }
    }

    static let permitted = PolicyDecision.allow("a topic already allowed on this connection")
    static let maximumPermittedTopics = 64

    private func decide(_ client: BrokerClient, _ topic: MessagingTopic, commanding: DeviceFacts?) -> PolicyDecision {
        PolicyEngine.decide(client.subject, .publishMessage, .topic(topic, commanding: commanding), PolicyContext(now: broker.clock.now))
    }

    private func complete(_ publish: PublishPacket, topic: String, decision: PolicyDecision) {
        guard let client else { return }
        guard decision.allowed else {
            broker.denials.record(client, .publishMessage, decision, sample: topic)
            return acknowledge(publish, decision: decision)
        }
        let message = BrokerMessage(publish, topic: topic, publisher: client.sessionKey, now: broker.clock.now)
        // Copies queued for offline sessions and retained messages are stored before the
        // publisher hears that the broker has the message.
        let routed = broker.publish(message, household: client.household)
        if publish.qos > .atMostOnce, !routed.congested.isEmpty, let me = handle {
            for subscriber in routed.congested where subscriber.id != id && subscriber.congestion.wait(me) {
                holdingAcknowledgements = true
            }
        }
        afterDurable(routed.durable) { [self] stored in
            guard stored else {
                return terminate(.unspecifiedError, "the broker could not store the message; send it again")
            }
            acknowledge(publish, decision: decision)
        }
    }

    /// The subscribers this client fed have drained: the held acknowledgements go out, in order.
    func releaseAcknowledgements() {
        holdingAcknowledgements = false
        let held = heldAcknowledgements
        heldAcknowledgements = []
        for packet in held { send(packet) }
    }

    /// Acknowledgements leave in the order the messages came (MQTT 5 §4.6), held ones first.
    private func sendAcknowledgement(_ packet: MQTTPacket) {
        if holdingAcknowledgements || !heldAcknowledgements.isEmpty {
            heldAcknowledgements.append(packet)
        } else {
            send(packet)
        }
    }

    private func acknowledge(_ publish: PublishPacket, decision: PolicyDecision) {
        // MQTT 3.1.1 cannot say "not authorized" in an acknowledgement: the message is
        // acknowledged and dropped, as Mosquitto does; MQTT 5 gets the reason code.
        let reason: ReasonCode = decision.allowed || version == .v311 ? .success : .notAuthorized
        var properties = MQTTProperties()
        if !decision.allowed, version == .v5 { properties.reasonString = decision.reason }
        switch (publish.qos, publish.packetID) {
        case (.atLeastOnce, let id?):
            sendAcknowledgement(.ack(AckPacket(.puback, packetID: id, reasonCode: reason, properties: properties)))
        case (.exactlyOnce, let id?):
            if !reason.isFailure { awaitingRelease.insert(id) }
            sendAcknowledgement(.ack(AckPacket(.pubrec, packetID: id, reasonCode: reason, properties: properties)))
        default:
            break
        }
    }

    /// PUBACK, PUBREC, PUBREL, PUBCOMP.
    func receiveAck(_ ack: AckPacket) {
        switch ack.kind {
        case .puback:
            guard let delivery = inflight[ack.packetID], delivery.qos == .atLeastOnce else { return }
            inflight[ack.packetID] = nil
            settle(delivery)
            sendPending()
        case .pubrec:
            guard inflight[ack.packetID]?.qos == .exactlyOnce else { return }
            if ack.reasonCode.isFailure {
                if let delivery = inflight.removeValue(forKey: ack.packetID) { settle(delivery) }
                released.remove(ack.packetID)
                return sendPending()
            }
            released.insert(ack.packetID)
            send(.ack(AckPacket(.pubrel, packetID: ack.packetID)))
        case .pubcomp:
            guard released.remove(ack.packetID) != nil else { return }
            if let delivery = inflight.removeValue(forKey: ack.packetID) { settle(delivery) }
            sendPending()
        case .pubrel:
            let known = awaitingRelease.remove(ack.packetID) != nil
            send(.ack(AckPacket(
                .pubcomp, packetID: ack.packetID, reasonCode: known || version == .v311 ? .success : .packetIdentifierNotFound)))
        }
    }
}
