import Foundation
import HearthCore
import HearthMQTT

extension MQTTSessionStateMachine {
    /// PUBLISH from the client: topic alias, duplicate QoS 2, policy (a command to another
    /// device needs its record, which the executor finds), routing, acknowledgement.
    mutating func receivePublish(_ publish: PublishPacket) -> Action {
        guard let client else { return .none }
        var topic = publish.topic
        if version == .v5, let alias = publish.properties.topicAlias {
            guard alias > 0, alias <= limits.topicAliasMaximum else {
                return terminate(.topicAliasInvalid, "the topic alias is outside 1…\(limits.topicAliasMaximum)")
            }
            if topic.isEmpty {
                guard let known = topicAliases[alias] else { return terminate(.protocolError, "the topic alias was never set") }
                topic = known
            } else {
                topicAliases[alias] = topic
            }
        }
        guard !topic.isEmpty else { return terminate(.protocolError, "a PUBLISH without a topic") }
        if publish.qos == .exactlyOnce, let id = publish.packetID {
            if awaitingRelease.contains(id) {
                // The client resent a message already routed: acknowledge, do not route it again.
                return .send(.ack(AckPacket(.pubrec, packetID: id)))
            }
            guard awaitingRelease.count < Int(limits.maximumInflight) else {
                return terminate(.receiveMaximumExceeded, "more unreleased QoS 2 messages than the Receive Maximum")
            }
        }
        if permittedTopics.contains(topic) || permittedCommandTopics.contains(topic) {
            return complete(publish, topic: topic, decision: Self.permitted)
        }
        awaiting = .publishDecision(publish, topic: topic)
        return .askPolicy(PublishQuestion(client: client, topic: topic))
    }

    /// The policy's decision on the PUBLISH. `onOwnFacts`: it rests only on this client's own
    /// facts, which cannot change while it is connected (a change ends the session), so an
    /// allowed topic is remembered for the connection. `onDeviceFacts`: it rests on another
    /// device's facts as the broker holds them now, so it is remembered until they change
    /// (``deviceFacts(asOf:)``) — a command stream then costs no policy round trip per message.
    mutating func policyDecided(
        _ decision: PolicyDecision, onOwnFacts: Bool, onDeviceFacts: Bool = false, target: DeviceFacts? = nil
    ) -> Action {
        guard case .publishDecision(let publish, let topic) = awaiting else { return .none }
        awaiting = nil
        guard phase != .closed else { return .none }
        if decision.allowed {
            if onOwnFacts, permittedTopics.count < Self.maximumPermittedTopics {
                permittedTopics.insert(topic)
            } else if onDeviceFacts, permittedCommandTopics.count < Self.maximumPermittedTopics {
                permittedCommandTopics.insert(topic)
            }
        }
        return complete(publish, topic: topic, decision: decision, target: target)
    }

    /// The generation of the broker's device facts as the connection reads them: commands allowed
    /// on an older generation are asked again.
    mutating func deviceFacts(asOf generation: UInt64) {
        guard generation != deviceFactsGeneration else { return }
        deviceFactsGeneration = generation
        permittedCommandTopics.removeAll()
    }

    private mutating func complete(
        _ publish: PublishPacket, topic: String, decision: PolicyDecision, target: DeviceFacts? = nil
    ) -> Action {
        guard let client else { return .none }
        let receipt = PublishReceipt(qos: publish.qos, packetID: publish.packetID)
        guard decision.allowed else {
            followUp = acknowledge(receipt, decision: decision)
            if decision.held, let target {
                return .holdCommand(client: client, target: target, topic: topic, payload: publish.payload, reason: decision.reason)
            }
            return .recordDenial(Denial(client: client, action: .publishMessage, decision: decision, sample: topic))
        }
        awaiting = .routing(receipt)
        var routed = publish
        routed.topic = topic
        return .route(routed, watchCongestion: publish.qos > .atMostOnce)
    }

    /// The message is routed. QoS 1/2 copies for persistent sessions and retained messages are
    /// stored (up to `durable`) before the publisher hears that the broker has the message.
    /// `holdAcknowledgements`: a congested subscriber took it, and this client's acknowledgements
    /// wait until it drains.
    mutating func routed(durable: UInt64, holdAcknowledgements: Bool) -> Action {
        guard case .routing(let receipt) = awaiting else { return .none }
        if holdAcknowledgements { holdingAcknowledgements = true }
        return afterStorage(durable, awaiting: .publishStored(receipt))
    }

    /// The privacy gate refused the message being routed (an undeclared telemetry flow, a payload
    /// failing its schema): nothing was routed; MQTT 5 hears `reason`, MQTT 3.1.1 an
    /// acknowledgement (it has no way to say no).
    mutating func routingRefused(_ reason: ReasonCode, _ text: String) -> Action {
        guard case .routing(let receipt) = awaiting else { return .none }
        awaiting = nil
        return acknowledge(receipt, refusal: version == .v5 ? (reason, text) : nil)
    }

    /// The subscribers this client fed have drained: the held acknowledgements go out, in order.
    mutating func releaseAcknowledgements() -> Action {
        holdingAcknowledgements = false
        releasingAcknowledgements = !heldAcknowledgements.isEmpty
        return .none
    }

    /// Acknowledgements leave in the order the messages came (MQTT 5 §4.6), held ones first.
    private mutating func sendAcknowledgement(_ packet: MQTTPacket) -> Action {
        guard holdingAcknowledgements || !heldAcknowledgements.isEmpty else { return .send(packet) }
        heldAcknowledgements.append(packet)
        return .none
    }

    mutating func acknowledge(_ receipt: PublishReceipt, decision: PolicyDecision) -> Action {
        // MQTT 3.1.1 cannot say "not authorized" in an acknowledgement: the message is
        // acknowledged and dropped, as Mosquitto does; MQTT 5 gets the reason code.
        // A held command is not refused for good: 0x83 (the receiver is not willing to accept it
        // now), with the reason naming the hold.
        acknowledge(
            receipt,
            refusal: decision.allowed || version == .v311
                ? nil : (decision.held ? .implementationSpecificError : .notAuthorized, decision.reason))
    }

    /// A PUBACK or PUBREC: success, or (MQTT 5) a failure code with a reason string.
    private mutating func acknowledge(_ receipt: PublishReceipt, refusal: (code: ReasonCode, text: String)?) -> Action {
        let reason = refusal?.code ?? .success
        var properties = MQTTProperties()
        if let refusal { properties.reasonString = refusal.text }
        switch (receipt.qos, receipt.packetID) {
        case (.atLeastOnce, let id?):
            return sendAcknowledgement(.ack(AckPacket(.puback, packetID: id, reasonCode: reason, properties: properties)))
        case (.exactlyOnce, let id?):
            if !reason.isFailure { awaitingRelease.insert(id) }
            return sendAcknowledgement(.ack(AckPacket(.pubrec, packetID: id, reasonCode: reason, properties: properties)))
        default:
            return .none
        }
    }

    /// PUBACK, PUBREC, PUBREL, PUBCOMP. An acknowledgement of a packet id the broker does not
    /// have in flight is ignored; a PUBREL for one it never received gets PUBCOMP 0x92 (MQTT 5).
    mutating func receiveAck(_ ack: AckPacket) -> Action {
        switch ack.kind {
        case .puback:
            guard let delivery = inflight[ack.packetID], delivery.qos == .atLeastOnce else { return .none }
            inflight[ack.packetID] = nil
            drainPending = true
            return .settle(delivery)
        case .pubrec:
            guard inflight[ack.packetID]?.qos == .exactlyOnce else { return .none }
            if ack.reasonCode.isFailure {
                released.remove(ack.packetID)
                drainPending = true
                guard let delivery = inflight.removeValue(forKey: ack.packetID) else { return .none }
                return .settle(delivery)
            }
            released.insert(ack.packetID)
            return .send(.ack(AckPacket(.pubrel, packetID: ack.packetID)))
        case .pubcomp:
            guard released.remove(ack.packetID) != nil else { return .none }
            drainPending = true
            guard let delivery = inflight.removeValue(forKey: ack.packetID) else { return .none }
            return .settle(delivery)
        case .pubrel:
            let known = awaitingRelease.remove(ack.packetID) != nil
            return .send(.ack(AckPacket(
                .pubcomp, packetID: ack.packetID, reasonCode: known || version == .v311 ? .success : .packetIdentifierNotFound)))
        }
    }
}
