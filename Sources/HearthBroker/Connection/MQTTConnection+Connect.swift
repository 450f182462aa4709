import Foundation
import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOSSL

extension MQTTConnection {
    /// CONNECT: the gatekeeper says who the client is (certificate or access token), the policy
    /// engine whether it may connect and name its will, then the session is attached.
    func startConnect(_ connect: ConnectPacket) {
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
        let leaf = (try? context?.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap { $0 }
        let attempt = ConnectAttempt(
            clientID: connect.clientID, username: connect.username, password: connect.password,
            certificateChain: leaf.flatMap { try? $0.toDERBytes() }.map { [$0] } ?? [], remoteAddress: remoteAddress)
        let gatekeeper = broker.gatekeeper
        offLoop({ await gatekeeper.authenticate(attempt) }) { [self] verdict in
            switch verdict {
            case .refused(let reason, let text):
                refuse(reason, text)
            case .accepted(let client):
                accept(client, connect)
            }
        }
    }

    private func accept(_ client: BrokerClient, _ connect: ConnectPacket) {
        let now = broker.clock.now
        let decision = PolicyEngine.decide(client.subject, .connectMessaging, .broker, PolicyContext(now: now))
        guard decision.allowed else {
            broker.denials.record(client, .connectMessaging, decision, sample: client.clientID)
            return refuse(.notAuthorized, decision.reason)
        }
        if let will = connect.will {
            let allowed = PolicyEngine.decide(
                client.subject, .publishMessage, .topic(MessagingTopic(will.topic), commanding: nil), PolicyContext(now: now))
            guard allowed.allowed else {
                broker.denials.record(client, .publishMessage, allowed, sample: will.topic)
                return refuse(.notAuthorized, "the will topic: " + allowed.reason)
            }
        }
        guard client.validUntil > now, let handle else { return refuse(.notAuthorized, "the credential has expired") }
        let limits = broker.configuration
        let requestedExpiry = version == .v5
            ? connect.properties.sessionExpiryInterval ?? 0 : (connect.cleanStart ? 0 : limits.maximumSessionExpiry)
        sessionExpiry = min(requestedExpiry, limits.maximumSessionExpiry)
        self.client = client
        will = connect.will
        let attached = broker.attach(client, cleanStart: connect.cleanStart, expiryInterval: sessionExpiry, connection: handle)
        self.attached = true
        generation = attached.generation
        awaitingRelease = attached.awaitingRelease
        attached.takenOver?.terminate(.sessionTakenOver, "another connection of the same client took the session over")
        if let maximum = connect.properties.receiveMaximum { sendQuota = Int(min(maximum, limits.maximumInflight)) } else {
            sendQuota = Int(limits.maximumInflight)
        }
        if let maximum = connect.properties.maximumPacketSize { clientMaximumPacketSize = Int(maximum) }

        let keepAlive = connect.keepAlive == 0 || connect.keepAlive > limits.maximumKeepAlive ? limits.maximumKeepAlive : connect.keepAlive
        if let context {
            watchKeepAlive(.milliseconds(Int64(keepAlive) * 1500))
            let remaining = client.validUntil.timeIntervalSince(now)
            timers.append(context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(remaining * 1000))) { [self] in
                terminate(.notAuthorized, "the credential this session was opened with has expired")
            })
        }
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
        }
        afterDurable(attached.durable) { [self] stored in
            guard stored else { return refuse(.serverUnavailable, "the broker could not store the session; try again") }
            phase = .connected
            send(.connack(ConnAckPacket(sessionPresent: attached.sessionPresent, reasonCode: .success, properties: properties)))
            resume(attached.resumed)
            let early = beforeConnAck
            beforeConnAck = []
            for delivery in early { deliver(delivery) }
        }
    }

    /// Answers the CONNECT with a refusal and closes.
    func refuse(_ reason: ReasonCode, _ text: String) {
        broker.logger.notice(
            "refused an MQTT connection", metadata: ["remote": "\(remoteAddress ?? "-")", "reason": "\(text)"])
        var properties = MQTTProperties()
        if version == .v5 { properties.reasonString = text }
        send(.connack(ConnAckPacket(sessionPresent: false, reasonCode: reason, properties: properties)), flush: true)
        close()
    }
}
