@testable import HearthBroker
import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Testing

/// Receive Maximum, topic aliases, keep-alive and Maximum Packet Size, in both directions
/// where the protocol has both.
@Suite struct SessionLimitsTests {
    // MARK: Receive Maximum

    @Test(arguments: Session.versions)
    func moreUnreleasedQoS2MessagesThanTheReceiveMaximumEndTheSession(_ version: MQTTVersion) {
        var limits = BrokerConfiguration()
        limits.maximumInflight = 2
        var session = Session.connected(version, limits: limits)
        let topic = Session.ownTopic
        for id: UInt16 in 1...2 {
            let first = session.receive(Session.publish(topic, qos: .exactlyOnce, id: id))
            if id == 1 {
                #expect(first == [.askPolicy(topic: topic)])
                _ = session.run(session.machine.policyDecided(.allow("own"), onOwnFacts: true))
            } else {
                #expect(first == [.route(topic: topic, watchCongestion: true)], "the allowed topic is remembered")
            }
            #expect(session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
                == [.send(.ack(AckPacket(.pubrec, packetID: id)))])
        }
        #expect(session.receive(Session.publish(topic, qos: .exactlyOnce, id: 3)) == [.close(sending: version == .v5
            ? Session.disconnect(.receiveMaximumExceeded, "more unreleased QoS 2 messages than the Receive Maximum") : nil)])
    }

    @Test func theClientsReceiveMaximumBoundsMessagesInFlightToIt() {
        var properties = MQTTProperties()
        properties.receiveMaximum = 2
        var session = Session.connected(.v5, properties: properties)
        for id: UInt16 in 1...2 {
            #expect(session.deliver(Session.delivery("devices/x/cmd/\(id)", qos: .atLeastOnce))
                == [.sendPublish(PublishPacket(topic: "devices/x/cmd/\(id)", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: id))])
        }
        #expect(session.deliver(Session.delivery("devices/x/cmd/3", qos: .atLeastOnce)) == [], "waits for room")
        #expect(session.receive(.ack(AckPacket(.puback, packetID: 1))) == [
            .settle(topic: "devices/x/cmd/1"),
            .sendPublish(PublishPacket(topic: "devices/x/cmd/3", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: 3)),
        ])
    }

    @Test func aLongQueueForAClientCongestsItAndDrainingReleasesItsPublishers() {
        var properties = MQTTProperties()
        properties.receiveMaximum = 1
        var session = Session.connected(.v5, properties: properties)
        _ = session.deliver(Session.delivery(qos: .atLeastOnce))
        for count in 1...Machine.congestedAt {
            #expect(session.deliver(Session.delivery(qos: .atLeastOnce)) == (count == Machine.congestedAt ? [.beginCongestion] : []))
        }
        var released = false
        for id in UInt16(1)...UInt16(Machine.congestedAt - Machine.drainedAt) {
            let steps = session.receive(.ack(AckPacket(.puback, packetID: id)))
            released = steps.last == .endCongestion
        }
        #expect(released, "the publishers are released once the queue is down to \(Machine.drainedAt)")
    }

    // MARK: Topic aliases (MQTT 5)

    struct AliasCase: Sendable, CustomTestStringConvertible {
        let name: String
        let alias: UInt16
        let topic: String
        let expected: [Step]
        var testDescription: String { name }
    }

    static let aliasCases: [AliasCase] = [
        AliasCase(name: "alias 0", alias: 0, topic: Session.ownTopic, expected: [
            .close(sending: Session.disconnect(.topicAliasInvalid, "the topic alias is outside 1…64")),
        ]),
        AliasCase(name: "alias above the maximum", alias: 65, topic: Session.ownTopic, expected: [
            .close(sending: Session.disconnect(.topicAliasInvalid, "the topic alias is outside 1…64")),
        ]),
        AliasCase(name: "an alias never set", alias: 3, topic: "", expected: [
            .close(sending: Session.disconnect(.protocolError, "the topic alias was never set")),
        ]),
        AliasCase(name: "the maximum alias, set", alias: 64, topic: Session.ownTopic, expected: [.askPolicy(topic: Session.ownTopic)]),
    ]

    @Test(arguments: aliasCases)
    func topicAliasesFromTheClient(_ test: AliasCase) {
        var session = Session.connected(.v5)
        var properties = MQTTProperties()
        properties.topicAlias = test.alias
        #expect(session.receive(Session.publish(test.topic, properties: properties)) == test.expected)
    }

    @Test func anAliasSetOnceNamesItsTopicAfterwards() {
        var session = Session.connected(.v5)
        var properties = MQTTProperties()
        properties.topicAlias = 5
        _ = session.receive(Session.publish(Session.ownTopic, properties: properties))
        _ = session.run(session.machine.policyDecided(.allow("own"), onOwnFacts: true))
        _ = session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
        #expect(session.receive(Session.publish("", properties: properties)) == [.route(topic: Session.ownTopic, watchCongestion: false)])
    }

    @Test func mqtt311HasNoAliasesAndAPublishNeedsItsTopic() {
        var session = Session.connected(.v311)
        #expect(session.receive(Session.publish("")) == [.close(sending: nil)])
    }

    // MARK: Keep-alive

    struct KeepAliveCase: Sendable, CustomTestStringConvertible {
        let version: MQTTVersion
        let keepAlive: UInt16
        /// One and a half times the keep-alive granted.
        let limit: TimeAmount
        var testDescription: String { "keep-alive \(keepAlive) (\(version))" }
    }

    static let keepAliveCases: [KeepAliveCase] = Session.versions.flatMap { version in [
        KeepAliveCase(version: version, keepAlive: 10, limit: .seconds(15)),
        // None asked, or more than the broker grants: the broker's maximum (300 s).
        KeepAliveCase(version: version, keepAlive: 0, limit: .seconds(450)),
        KeepAliveCase(version: version, keepAlive: 1000, limit: .seconds(450)),
    ] }

    @Test(arguments: keepAliveCases)
    func aSilentClientIsDisconnectedAfterOneAndAHalfKeepAlives(_ test: KeepAliveCase) {
        var session = Session()
        let steps = session.connect(Session.connectPacket(test.version, keepAlive: test.keepAlive))
        #expect(steps.contains(.watchSession(keepAliveCheckAt: Session.start + test.limit, credentialValidFor: .seconds(3600))))
        if test.version == .v5, case .send(.connack(let connack))? = steps.last {
            #expect(connack.properties.serverKeepAlive == (test.keepAlive == 10 ? nil : 300))
        }
        // Something arrived meanwhile: the check moves to one limit after it.
        let heard = Session.start + .seconds(5)
        session.machine.inputReceived(at: heard)
        #expect(session.run(session.machine.keepAliveCheckDue(now: Session.start + test.limit))
            == [.scheduleKeepAliveCheck(heard + test.limit)])
        #expect(session.run(session.machine.keepAliveCheckDue(now: heard + test.limit)) == [.close(sending: test.version == .v5
            ? Session.disconnect(.keepAliveTimeout, "nothing received for one and a half keep-alive periods") : nil)])
        #expect(session.run(session.machine.keepAliveCheckDue(now: heard + test.limit + .seconds(1))) == [], "closed once")
    }

    // MARK: Maximum Packet Size

    @Test(arguments: Session.versions)
    func aPacketLargerThanTheBrokerTakesEndsTheSession(_ version: MQTTVersion) throws {
        var session = Session.connected(version)
        var decoder = MQTTPacketDecoder(maximumPacketSize: 64, version: version)
        var bytes = MQTTCodec.encode(
            .publish(PublishPacket(topic: Session.ownTopic, payload: ByteBuffer(repeating: 0x41, count: 100))), version: version)
        let error = try #require(throws: MQTTProtocolError.self) { try decoder.next(from: &bytes) }
        #expect(error.reason == .packetTooLarge)
        #expect(session.run(session.machine.decodingFailed(error))
            == [.close(sending: version == .v5 ? Session.disconnect(.packetTooLarge, error.detail) : nil)])
    }

    @Test(arguments: [QoS.atMostOnce, .atLeastOnce, .exactlyOnce])
    func aMessageLargerThanTheClientTakesIsDiscardedAsIfDelivered(_ qos: QoS) throws {
        var properties = MQTTProperties()
        properties.maximumPacketSize = 40
        var session = Session.connected(.v5, properties: properties)
        let steps = session.deliver(Session.delivery(qos: qos, payload: String(repeating: "x", count: 100)))
        guard case .sendPublish(let packet)? = steps.first else {
            Issue.record("no PUBLISH: \(steps)")
            return
        }
        let size = MQTTCodec.encode(.publish(packet), version: .v5).readableBytes
        let outgoing = Machine.OutgoingPublish(delivery: Session.delivery(qos: qos), packetID: packet.packetID)
        #expect(Step(session.machine.encoded(outgoing, size: size)) == .discard(topic: "devices/x/cmd/power"))
        #expect(session.machine.inflight.isEmpty, "its in-flight slot is free again")
        var small = session.machine
        if case .none = small.encoded(outgoing, size: 40) {} else { Issue.record("a packet of the maximum size is sent") }
    }

    @Test func qos0IsDroppedForAClientThatIsNotReading() {
        var session = Session.connected(.v311)
        session.writable = false
        #expect(session.deliver(Session.delivery(qos: .atMostOnce)) == [.countDropped])
    }

    @Test func aQoS1MessagePastTheQueueIsDiscardedSoItsStoredCopyGoes() {
        var limits = BrokerConfiguration()
        limits.maximumInflight = 1
        limits.maximumQueuedMessages = 2
        var session = Session.connected(.v311, limits: limits)
        #expect(session.deliver(Session.delivery(qos: .atLeastOnce)).count == 1, "in flight")
        #expect(session.deliver(Session.delivery(qos: .atLeastOnce)).isEmpty, "waiting")
        #expect(session.deliver(Session.delivery(qos: .atLeastOnce)).isEmpty, "waiting")
        #expect(session.deliver(Session.delivery(qos: .atLeastOnce)) == [.discard(topic: "devices/x/cmd/power")])
    }

    @Test func anExpiredMessageIsSettledNotSent() {
        var session = Session.connected(.v5)
        let message = BrokerMessage(
            topic: "devices/x/cmd/a", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: session.now.addingTimeInterval(10), publisher: "device:switch")
        let delivery = Delivery(message: message, qos: .atLeastOnce, retain: false, subscriptionIdentifiers: [])
        session.now = session.now.addingTimeInterval(4.5)
        var expiry = MQTTProperties()
        expiry.messageExpiryInterval = 5
        #expect(session.deliver(delivery) == [.sendPublish(PublishPacket(
            topic: "devices/x/cmd/a", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: 1, properties: expiry))])
        session.now = session.now.addingTimeInterval(6)
        #expect(session.deliver(delivery) == [.settle(topic: "devices/x/cmd/a")])
    }
}
