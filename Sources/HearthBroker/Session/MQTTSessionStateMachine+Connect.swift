import Foundation
import HearthCore
import HearthMQTT
import NIOCore

extension MQTTSessionStateMachine {
    /// CONNECT: the gatekeeper says who the client is (certificate or access token), the policy
    /// engine whether it may connect and name its will, then the session is attached.
    mutating func startConnect(_ connect: ConnectPacket) -> Action {
        version = connect.version
        phase = .authenticating
        if let will = connect.will {
            do { try TopicName.validate(will.topic) } catch {
                return refuse(.topicNameInvalid, "the will topic is not a valid topic name")
            }
        }
        if connect.clientID.isEmpty, !connect.cleanStart, version == .v311 {
            return refuse(.clientIdentifierNotValid, "an empty client identifier needs a clean session")
        }
        awaiting = .authentication(connect)
        return .authenticate(connect)
    }

    /// The gatekeeper's verdict on the CONNECT.
    mutating func authenticated(_ verdict: ConnectVerdict, now: Date) -> Action {
        guard case .authentication(let connect) = awaiting else { return .none }
        awaiting = nil
        guard phase != .closed else { return .none }
        switch verdict {
        case .refused(let reason, let text):
            return refuse(reason, text)
        case .accepted(let client):
            return accept(client, connect, now: now)
        }
    }

    private mutating func accept(_ client: BrokerClient, _ connect: ConnectPacket, now: Date) -> Action {
        let decision = PolicyEngine.decide(client.subject, .connectMessaging, .broker, PolicyContext(now: now))
        guard decision.allowed else {
            followUp = refuse(.notAuthorized, decision.reason)
            return .recordDenial(Denial(client: client, action: .connectMessaging, decision: decision, sample: client.clientID))
        }
        if let will = connect.will {
            let allowed = PolicyEngine.decide(
                client.subject, .publishMessage, .topic(MessagingTopic(will.topic), commanding: nil), PolicyContext(now: now))
            guard allowed.allowed else {
                followUp = refuse(.notAuthorized, "the will topic: " + allowed.reason)
                return .recordDenial(Denial(client: client, action: .publishMessage, decision: allowed, sample: will.topic))
            }
        }
        guard client.validUntil > now else { return refuse(.notAuthorized, "the credential has expired") }
        let requestedExpiry = version == .v5
            ? connect.properties.sessionExpiryInterval ?? 0 : (connect.cleanStart ? 0 : limits.maximumSessionExpiry)
        sessionExpiry = min(requestedExpiry, limits.maximumSessionExpiry)
        self.client = client
        will = connect.will
        awaiting = .attachment(
            connect, client, requestedExpiry: requestedExpiry, credentialValidFor: client.validUntil.timeIntervalSince(now))
        return .attach(client, cleanStart: connect.cleanStart, expiryInterval: sessionExpiry)
    }

    /// The broker bound the connection to its session.
    mutating func attached(_ attachment: Attachment) -> Action {
        guard case .attachment(let connect, let client, let requestedExpiry, let credentialValidFor) = awaiting else {
            return .none
        }
        attached = true
        generation = attachment.generation
        awaitingRelease = attachment.awaitingRelease
        if let maximum = connect.properties.receiveMaximum { sendQuota = Int(min(maximum, limits.maximumInflight)) } else {
            sendQuota = Int(limits.maximumInflight)
        }
        if let maximum = connect.properties.maximumPacketSize { clientMaximumPacketSize = Int(maximum) }
        let keepAlive = connect.keepAlive == 0 || connect.keepAlive > limits.maximumKeepAlive ? limits.maximumKeepAlive : connect.keepAlive
        let limit = TimeAmount.milliseconds(Int64(keepAlive) * 1500)
        keepAliveLimit = limit

        var properties = MQTTProperties()
        if version == .v5 {
            properties.receiveMaximum = limits.maximumInflight
            properties.maximumPacketSize = UInt32(limits.maximumPacketSize)
            properties.topicAliasMaximum = limits.topicAliasMaximum
            properties.retainAvailable = true
            properties.wildcardSubscriptionAvailable = true
            properties.subscriptionIdentifiersAvailable = true
            properties.sharedSubscriptionAvailable = false
            if client.assignedClientID { properties.assignedClientIdentifier = client.clientID }
            if keepAlive != connect.keepAlive { properties.serverKeepAlive = keepAlive }
            if sessionExpiry != requestedExpiry { properties.sessionExpiryInterval = sessionExpiry }
            // The gatekeeper accepted the method, or it would have refused the CONNECT (MQTT 5 §4.12).
            properties.authenticationMethod = connect.properties.authenticationMethod
        }
        let connack = ConnAckPacket(sessionPresent: attachment.sessionPresent, reasonCode: .success, properties: properties)
        followUp = afterStorage(attachment.durable, awaiting: .sessionStored(connack, resumed: attachment.resumed))
        return .watchSession(
            keepAliveCheckAt: lastReceived + limit, credentialValidFor: .milliseconds(Int64(credentialValidFor * 1000)))
    }

    /// The session's record is stored (or not): the CONNACK, then what the session kept.
    mutating func sessionStored(_ stored: Bool, _ connack: ConnAckPacket, resumed: [Delivery]) -> Action {
        guard stored else { return refuse(.serverUnavailable, "the broker could not store the session; try again") }
        phase = .connected
        resuming = resumed[...]
        delivering = beforeConnAck[...]
        beforeConnAck = []
        return .send(.connack(connack))
    }

    /// The client's household is served by another hub node: the CONNECT and the packets held
    /// while it was authenticated, to be relayed there as they came. The connection carries
    /// bytes from now on; the machine only ends with it (no session was attached).
    mutating func handOff() -> (version: MQTTVersion, packets: [MQTTPacket])? {
        guard case .authentication(let connect) = awaiting, phase == .authenticating else { return nil }
        awaiting = nil
        phase = .relayed
        defer { held = [] }
        return (connect.version, [.connect(connect)] + held)
    }

    /// Answers the CONNECT with a refusal and closes.
    mutating func refuse(_ reason: ReasonCode, _ text: String) -> Action {
        var properties = MQTTProperties()
        if version == .v5 { properties.reasonString = text }
        phase = .closed
        return .refuse(ConnAckPacket(sessionPresent: false, reasonCode: reason, properties: properties), reason: text)
    }
}
