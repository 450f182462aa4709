import Foundation
import HearthCore
import HearthMQTT

extension MQTTConnection {
    /// SUBSCRIBE: each filter is checked on its own (valid, not shared, allowed by policy) and
    /// granted at the QoS asked for; the retained messages it matches follow the SUBACK.
    func receiveSubscribe(_ subscribe: SubscribePacket) {
        guard let client else { return }
        let identifier = subscribe.properties.subscriptionIdentifiers.first
        let context = PolicyContext(now: broker.clock.now)
        var grants: [SubscriptionGrant] = []
        let codes = subscribe.subscriptions.map { subscription -> ReasonCode in
            if subscription.filter.hasPrefix("$share/") { return .sharedSubscriptionsNotSupported }
            guard let filter = try? TopicFilter(subscription.filter) else { return .topicFilterInvalid }
            let decision = PolicyEngine.decide(
                client.subject, .subscribeMessages, .topicFilter(MessagingTopic(subscription.filter)), context)
            guard decision.allowed else {
                broker.denials.record(client, .subscribeMessages, decision, sample: subscription.filter)
                return .notAuthorized
            }
            grants.append(SubscriptionGrant(filter: filter, options: subscription, identifier: identifier))
            return ReasonCode(rawValue: subscription.qos.rawValue)
        }
        let added = broker.subscribe(client.sessionKey, household: client.household, grants)
        afterDurable(added.durable) { [self] stored in
            // A subscription that could not be stored is still live, but the client is told it
            // failed, so it does not count on it across a restart.
            send(.suback(SubAckPacket(packetID: subscribe.packetID, reasonCodes: stored ? codes : codes.map { _ in .unspecifiedError })))
            for delivery in added.retained { deliver(delivery) }
        }
    }
}
