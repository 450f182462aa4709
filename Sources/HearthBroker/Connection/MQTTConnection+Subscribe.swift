import Foundation
import HearthCore
import HearthMQTT

extension MQTTConnection {
    /// SUBSCRIBE: each filter is checked on its own (valid, not shared, allowed by policy) and
    /// granted at the QoS asked for; the retained messages it matches follow the SUBACK.
    func receiveSubscribe(_ subscribe: SubscribePacket) {
        guard let client else { return }
        let identifier = subscribe.properties.subscriptionIdentifiers.first
        let context = PolicyContext(now: Date())
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
        let retained = broker.subscribe(client.sessionKey, household: client.household, grants)
        send(.suback(SubAckPacket(packetID: subscribe.packetID, reasonCodes: codes)))
        for delivery in retained { deliver(delivery) }
    }
}
