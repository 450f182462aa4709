import Foundation
import HearthCore
import HearthMQTT

extension MQTTSessionStateMachine {
    /// SUBSCRIBE: each filter is checked on its own (valid, not shared, allowed by policy) and
    /// granted at the QoS asked for; the retained messages it matches follow the SUBACK.
    mutating func receiveSubscribe(_ subscribe: SubscribePacket, now: @autoclosure () -> Date) -> Action {
        guard let client else { return .none }
        let identifier = subscribe.properties.subscriptionIdentifiers.first
        let context = PolicyContext(now: now())
        var grants: [SubscriptionGrant] = []
        var denials: [Denial] = []
        let codes = subscribe.subscriptions.map { subscription -> ReasonCode in
            if subscription.filter.hasPrefix("$share/") { return .sharedSubscriptionsNotSupported }
            guard let filter = try? TopicFilter(subscription.filter) else { return .topicFilterInvalid }
            let decision = PolicyEngine.decide(
                client.subject, .subscribeMessages, .topicFilter(MessagingTopic(subscription.filter)), context)
            guard decision.allowed else {
                denials.append(Denial(client: client, action: .subscribeMessages, decision: decision, sample: subscription.filter))
                return .notAuthorized
            }
            grants.append(SubscriptionGrant(filter: filter, options: subscription, identifier: identifier))
            return ReasonCode(rawValue: subscription.qos.rawValue)
        }
        awaiting = .subscribing(packetID: subscribe.packetID, codes: codes)
        return .subscribe(grants, denials: denials)
    }

    /// The broker added the subscriptions: the retained messages they match, and the outbox
    /// position to wait for before the SUBACK.
    mutating func subscribed(retained: [Delivery], durable: UInt64) -> Action {
        guard case .subscribing(let packetID, let codes) = awaiting else { return .none }
        return afterStorage(durable, awaiting: .subscriptionStored(packetID: packetID, codes: codes, retained: retained))
    }

    mutating func subscriptionStored(_ stored: Bool, packetID: UInt16, codes: [ReasonCode], retained: [Delivery]) -> Action {
        // A subscription that could not be stored is still live, but the client is told it
        // failed, so it does not count on it across a restart.
        delivering += retained
        return .send(.suback(SubAckPacket(packetID: packetID, reasonCodes: stored ? codes : codes.map { _ in .unspecifiedError })))
    }

    /// The broker removed the subscriptions: for each filter whether it existed, and the outbox
    /// position to wait for before the UNSUBACK.
    mutating func unsubscribed(existed: [Bool], durable: UInt64) -> Action {
        guard case .unsubscribing(let packetID) = awaiting else { return .none }
        return afterStorage(durable, awaiting: .unsubscriptionStored(packetID: packetID, existed: existed))
    }
}
