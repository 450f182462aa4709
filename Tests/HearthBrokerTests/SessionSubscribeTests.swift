@testable import HearthBroker
import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Testing

/// SUBSCRIBE and UNSUBSCRIBE: one reason code per filter, the SUBACK only once the session's
/// record is stored, and the retained messages after it.
@Suite struct SessionSubscribeTests {
    static var ownCommands: String { "devices/\(Session.lamp.id)/cmd/#" }

    @Test(arguments: Session.versions)
    func eachFilterIsAnsweredOnItsOwnAndRetainedMessagesFollowTheSuback(_ version: MQTTVersion) {
        var session = Session.connected(version)
        let subscribe = SubscribePacket(packetID: 3, subscriptions: [
            Subscription(filter: Self.ownCommands, qos: .atLeastOnce),
            Subscription(filter: "$share/group/a", qos: .atMostOnce),
            Subscription(filter: "a/#/b", qos: .atMostOnce),
            Subscription(filter: "devices/+/state", qos: .atMostOnce),
        ])
        #expect(session.receive(.subscribe(subscribe)) == [.subscribe(filters: [Self.ownCommands], denied: ["devices/+/state"])])
        let retained = Session.delivery("devices/\(Session.lamp.id)/cmd/power", qos: .atLeastOnce)
        #expect(session.run(session.machine.subscribed(retained: [retained], durable: 5)) == [.awaitStorage(5)])
        #expect(session.receive(.pingreq) == [], "held until the SUBACK")
        #expect(session.run(session.machine.stored(true)) == [
            .send(.suback(SubAckPacket(
                packetID: 3, reasonCodes: [.grantedQoS1, .sharedSubscriptionsNotSupported, .topicFilterInvalid, .notAuthorized]))),
            .sendPublish(PublishPacket(
                topic: "devices/\(Session.lamp.id)/cmd/power", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: 1)),
            .send(.pingresp),
        ])
    }

    @Test func aSubscriptionThatCouldNotBeStoredIsReportedAsFailed() {
        var session = Session.connected(.v5)
        _ = session.receive(.subscribe(SubscribePacket(packetID: 3, subscriptions: [Subscription(filter: Self.ownCommands, qos: .atLeastOnce)])))
        _ = session.run(session.machine.subscribed(retained: [], durable: 5))
        #expect(session.run(session.machine.stored(false)) == [.send(.suback(SubAckPacket(packetID: 3, reasonCodes: [.unspecifiedError])))])
    }

    @Test func unsubscribeSaysWhichFiltersExisted() {
        var session = Session.connected(.v5)
        #expect(session.receive(.unsubscribe(UnsubscribePacket(packetID: 4, filters: ["a", "b"]))) == [.unsubscribe(["a", "b"])])
        #expect(session.run(session.machine.unsubscribed(existed: [true, false], durable: 0))
            == [.send(.unsuback(UnsubAckPacket(packetID: 4, reasonCodes: [.success, .noSubscriptionExisted])))])
    }
}
