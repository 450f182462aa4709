@testable import HearthBroker
import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Testing

/// The session's ordering rules, driven through ``MQTTSessionStateMachine`` in memory: each
/// case feeds events and compares the exact actions (packets with their reason codes).
@Suite struct SessionOrderingTests {
    // MARK: CONNECT first and only once

    @Test(arguments: Session.versions)
    func connectIsAnsweredOnlyAfterAuthenticationAndAttachment(_ version: MQTTVersion) {
        var session = Session()
        #expect(session.receive(.connect(Session.connectPacket(version))) == [.authenticate(clientID: "lamp")])
        #expect(session.run(session.machine.authenticated(.accepted(Session.client), now: session.now))
            == [.attach(cleanStart: true, expiryInterval: 0)])
        var properties = MQTTProperties()
        if version == .v5 {
            properties.receiveMaximum = 32
            properties.maximumPacketSize = 256 * 1024
            properties.topicAliasMaximum = 64
            properties.retainAvailable = true
            properties.wildcardSubscriptionAvailable = true
            properties.subscriptionIdentifiersAvailable = true
            properties.sharedSubscriptionAvailable = false
        }
        #expect(session.run(session.machine.attached(Session.freshSession)) == [
            .watchSession(keepAliveCheckAt: Session.start + .seconds(90), credentialValidFor: .seconds(3600)),
            .send(.connack(ConnAckPacket(sessionPresent: false, reasonCode: .success, properties: properties))),
        ])
    }

    /// What follows a CONNECT on each version, and what a packet before it does.
    struct OrderCase: Sendable, CustomTestStringConvertible {
        let name: String
        let version: MQTTVersion
        let connected: Bool
        let packet: MQTTPacket
        let expected: [Step]
        var testDescription: String { "\(name) (\(version))" }
    }

    static let orderCases: [OrderCase] = Session.versions.flatMap { version in [
        OrderCase(
            name: "a PUBLISH before CONNECT", version: version, connected: false, packet: Session.publish("a/b"),
            expected: [.close(sending: nil)]),
        OrderCase(name: "PINGREQ before CONNECT", version: version, connected: false, packet: .pingreq, expected: [.close(sending: nil)]),
        OrderCase(
            name: "a second CONNECT", version: version, connected: true, packet: .connect(Session.connectPacket(version)),
            expected: [.close(sending: version == .v5 ? Session.disconnect(.protocolError, "a second CONNECT") : nil)]),
        OrderCase(
            name: "a CONNACK from the client", version: version, connected: true,
            packet: .connack(ConnAckPacket(sessionPresent: false, reasonCode: .success)),
            expected: [.close(sending: version == .v5 ? Session.disconnect(.protocolError, "a packet the broker does not accept here") : nil)]),
        OrderCase(name: "PINGREQ", version: version, connected: true, packet: .pingreq, expected: [.send(.pingresp)]),
    ] }

    @Test(arguments: orderCases)
    func packetsInOrder(_ test: OrderCase) {
        var session = test.connected ? Session.connected(test.version) : Session()
        #expect(session.receive(test.packet) == test.expected)
        if test.expected.contains(where: { if case .close = $0 { true } else { false } }) {
            #expect(session.machine.acceptsInput == false)
            #expect(session.receive(.pingreq) == [], "nothing after the close is handled")
        }
    }

    @Test(arguments: Session.versions)
    func packetsDuringAuthenticationWaitAndASecondConnectAmongThemEndsTheSession(_ version: MQTTVersion) {
        var session = Session()
        _ = session.receive(.connect(Session.connectPacket(version)))
        #expect(session.receive(.pingreq) == [])
        #expect(session.receive(.connect(Session.connectPacket(version))) == [])
        _ = session.run(session.machine.authenticated(.accepted(Session.client), now: session.now))
        let steps = session.run(session.machine.attached(Session.freshSession))
        #expect(steps.count == 4)
        #expect(Array(steps.suffix(2)) == [
            .send(.pingresp),
            .close(sending: version == .v5 ? Session.disconnect(.protocolError, "a second CONNECT") : nil),
        ])
    }

    @Test func anUnknownProtocolLevelIsAnsweredWithReturnCode1() throws {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 1024)
        // CONNECT, protocol name MQTT, level 3 (MQTT 3.1): not one the broker speaks.
        var bytes = ByteBuffer(bytes: [0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x02, 0x69, 0x64])
        let error = try #require(throws: MQTTProtocolError.self) { try decoder.next(from: &bytes) }
        var session = Session()
        #expect(session.run(session.machine.decodingFailed(error))
            == [.close(sending: .connack(ConnAckPacket(sessionPresent: false, reasonCode: .unsupportedProtocolVersion)))])
    }

    @Test func bytesThatAreNotACONNECTFirstAreClosedWithoutAnAnswer() throws {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 1024)
        var bytes = MQTTCodec.encode(.pingreq, version: .v311)
        let error = try #require(throws: MQTTProtocolError.self) { try decoder.next(from: &bytes) }
        var session = Session()
        #expect(session.run(session.machine.decodingFailed(error)) == [.close(sending: nil)])
    }

    @Test(arguments: Session.versions)
    func theConnectTimeoutDropsOnlyAConnectionStillWithoutASession(_ version: MQTTVersion) {
        var waiting = Session()
        #expect(waiting.run(waiting.machine.connectTimeoutElapsed()) == [.closeNow])
        var authenticating = Session()
        _ = authenticating.receive(.connect(Session.connectPacket(version)))
        #expect(authenticating.run(authenticating.machine.connectTimeoutElapsed()) == [.closeNow])
        var connected = Session.connected(version)
        #expect(connected.run(connected.machine.connectTimeoutElapsed()) == [])
    }

    @Test(arguments: Session.versions)
    func aRefusedConnectIsAnsweredAndClosed(_ version: MQTTVersion) {
        var session = Session()
        _ = session.receive(.connect(Session.connectPacket(version)))
        let steps = session.run(session.machine.authenticated(.refused(.badUserNameOrPassword, "unknown token"), now: session.now))
        let properties = version == .v5 ? Session.reasonString("unknown token") : .none
        #expect(steps == [.refuse(ConnAckPacket(sessionPresent: false, reasonCode: .badUserNameOrPassword, properties: properties))])
        #expect(session.run(session.machine.channelClosed()) == [.finish(nil)])
    }

    @Test func anExpiredCredentialIsRefusedByTheInjectedClock() {
        var session = Session()
        _ = session.receive(.connect(Session.connectPacket(.v5)))
        session.now = Session.client.validUntil
        #expect(session.run(session.machine.authenticated(.accepted(Session.client), now: session.now)) == [
            .refuse(ConnAckPacket(
                sessionPresent: false, reasonCode: .notAuthorized, properties: Session.reasonString("the credential has expired"))),
        ])
    }

    @Test func aWillOnATopicTheClientMayNotPublishToIsRefused() {
        var session = Session()
        let will = Will(topic: "devices/other/state", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false)
        _ = session.receive(.connect(Session.connectPacket(.v311, will: will)))
        let steps = session.run(session.machine.authenticated(.accepted(Session.client), now: session.now))
        #expect(steps.count == 2)
        #expect(steps.first == .recordDenial(.publishMessage, sample: "devices/other/state"))
        #expect(steps.last == .refuse(ConnAckPacket(sessionPresent: false, reasonCode: .notAuthorized)))
    }

    // MARK: PUBACK, PUBREC, PUBREL, PUBCOMP for an unknown packet id

    struct AckCase: Sendable, CustomTestStringConvertible {
        let kind: AckKind
        let version: MQTTVersion
        let expected: [Step]
        var testDescription: String { "\(kind) (\(version))" }
    }

    static let unknownAckCases: [AckCase] = Session.versions.flatMap { version in [
        AckCase(kind: .puback, version: version, expected: []),
        AckCase(kind: .pubrec, version: version, expected: []),
        AckCase(kind: .pubcomp, version: version, expected: []),
        // MQTT 5 §4.3.3: a PUBREL for an id the broker does not hold gets PUBCOMP 0x92; 3.1.1 has no such code.
        AckCase(kind: .pubrel, version: version, expected: [
            .send(.ack(AckPacket(.pubcomp, packetID: 7, reasonCode: version == .v5 ? .packetIdentifierNotFound : .success))),
        ]),
    ] }

    @Test(arguments: unknownAckCases)
    func anAcknowledgementOfAnUnknownPacketID(_ test: AckCase) {
        var session = Session.connected(test.version)
        #expect(session.receive(.ack(AckPacket(test.kind, packetID: 7))) == test.expected)
        #expect(session.machine.acceptsInput)
    }

    @Test(arguments: Session.versions)
    func qos1AndQoS2DeliveriesAreAcknowledgedInTurn(_ version: MQTTVersion) {
        var session = Session.connected(version)
        let one = Session.delivery("devices/x/cmd/a", qos: .atLeastOnce)
        #expect(session.deliver(one) == [.sendPublish(PublishPacket(
            topic: "devices/x/cmd/a", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: 1))])
        // A PUBACK for the wrong QoS flow (a PUBCOMP) is ignored; the PUBACK settles it.
        #expect(session.receive(.ack(AckPacket(.pubcomp, packetID: 1))) == [])
        #expect(session.receive(.ack(AckPacket(.puback, packetID: 1))) == [.settle(topic: "devices/x/cmd/a")])
        #expect(session.receive(.ack(AckPacket(.puback, packetID: 1))) == [], "a second PUBACK is for an unknown id")

        _ = session.deliver(Session.delivery("devices/x/cmd/b", qos: .exactlyOnce))
        #expect(session.receive(.ack(AckPacket(.puback, packetID: 2))) == [], "PUBACK does not end a QoS 2 flow")
        #expect(session.receive(.ack(AckPacket(.pubrec, packetID: 2))) == [.send(.ack(AckPacket(.pubrel, packetID: 2)))])
        #expect(session.receive(.ack(AckPacket(.pubcomp, packetID: 2))) == [.settle(topic: "devices/x/cmd/b")])
        #expect(session.machine.inflight.isEmpty)
    }

    @Test(arguments: Session.versions)
    func aPubrelReleasesAQoS2MessageOnceAndAResentPublishIsNotRoutedTwice(_ version: MQTTVersion) {
        var session = Session.connected(version)
        let topic = Session.ownTopic
        #expect(session.receive(Session.publish(topic, qos: .exactlyOnce, id: 9)) == [.askPolicy(topic: topic)])
        #expect(session.run(session.machine.policyDecided(.allow("own"), onOwnFacts: true))
            == [.route(topic: topic, watchCongestion: true)])
        #expect(session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
            == [.send(.ack(AckPacket(.pubrec, packetID: 9)))])
        #expect(session.receive(Session.publish(topic, qos: .exactlyOnce, id: 9)) == [.send(.ack(AckPacket(.pubrec, packetID: 9)))])
        #expect(session.receive(.ack(AckPacket(.pubrel, packetID: 9))) == [.send(.ack(AckPacket(.pubcomp, packetID: 9)))])
        #expect(session.receive(.ack(AckPacket(.pubrel, packetID: 9))) == [
            .send(.ack(AckPacket(.pubcomp, packetID: 9, reasonCode: version == .v5 ? .packetIdentifierNotFound : .success))),
        ])
    }
}
