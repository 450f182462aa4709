@testable import HearthBroker
import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Testing

/// How a session ends: the will (on an abnormal close, not after DISCONNECT, after its delay),
/// session takeover, and the packets a client sent before it left.
@Suite struct SessionEndTests {
    static let will = Will(topic: "devices/lamp/availability", payload: ByteBuffer(string: "offline"), qos: .atLeastOnce, retain: true)

    static func will(delay: UInt32?) -> Will {
        var will = Self.will
        will.properties.willDelayInterval = delay
        return will
    }

    /// The client's will topic is under its own id.
    static func connectedWithWill(_ version: MQTTVersion, delay: UInt32? = nil, sessionExpiry: UInt32? = nil) -> (Session, Will) {
        var will = Self.will(delay: version == .v5 ? delay : nil)
        will.topic = "devices/\(Session.lamp.id)/availability"
        return (Session.connected(version, will: will, sessionExpiry: version == .v5 ? sessionExpiry : nil), will)
    }

    struct EndCase: Sendable, CustomTestStringConvertible {
        let name: String
        let version: MQTTVersion
        let disconnect: DisconnectPacket?
        let willDelay: UInt32?
        let sessionExpiry: UInt32?
        let willSent: Bool
        let expectedDelay: UInt32
        var testDescription: String { "\(name) (\(version))" }
    }

    static let endCases: [EndCase] = Session.versions.flatMap { version in [
        EndCase(name: "the connection drops", version: version, disconnect: nil, willDelay: nil, sessionExpiry: nil, willSent: true, expectedDelay: 0),
        EndCase(name: "DISCONNECT", version: version, disconnect: DisconnectPacket(), willDelay: nil, sessionExpiry: nil, willSent: false, expectedDelay: 0),
    ] } + [
        EndCase(
            name: "DISCONNECT with will", version: .v5, disconnect: DisconnectPacket(reasonCode: .disconnectWithWill), willDelay: nil,
            sessionExpiry: nil, willSent: true, expectedDelay: 0),
        EndCase(name: "a will delay", version: .v5, disconnect: nil, willDelay: 30, sessionExpiry: 60, willSent: true, expectedDelay: 30),
        // MQTT 5 §3.1.3.2.2: the will goes out when the session ends, if that is sooner.
        EndCase(name: "a will delay past the session's end", version: .v5, disconnect: nil, willDelay: 30, sessionExpiry: 10, willSent: true, expectedDelay: 10),
        EndCase(name: "a will delay without a session", version: .v5, disconnect: nil, willDelay: 30, sessionExpiry: nil, willSent: true, expectedDelay: 0),
    ]

    @Test(arguments: endCases)
    func theWillIsSentOnAnAbnormalCloseOnly(_ test: EndCase) {
        var (session, will) = Self.connectedWithWill(test.version, delay: test.willDelay, sessionExpiry: test.sessionExpiry)
        if let disconnect = test.disconnect {
            #expect(session.receive(.disconnect(disconnect)) == [.close(sending: nil)])
        }
        #expect(session.run(session.machine.channelClosed()) == [.finish(SessionEndStep(
            will: test.willSent ? will : nil, willDelay: test.willSent ? test.expectedDelay : 0,
            expiryInterval: test.sessionExpiry ?? 0))])
    }

    @Test(arguments: Session.versions)
    func aMalformedPacketEndsTheSessionWithItsWill(_ version: MQTTVersion) {
        var (session, will) = Self.connectedWithWill(version)
        let error = MQTTProtocolError(.malformedPacket, "PUBLISH topic")
        #expect(session.run(session.machine.decodingFailed(error))
            == [.close(sending: version == .v5 ? Session.disconnect(.malformedPacket, "PUBLISH topic") : nil)])
        #expect(session.run(session.machine.channelClosed()) == [.finish(SessionEndStep(will: will))])
    }

    @Test func aDisconnectCannotGiveASessionThatEndsAtDisconnectAnExpiry() {
        var session = Session.connected(.v5)
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 60
        #expect(session.receive(.disconnect(DisconnectPacket(properties: properties))) == [.close(sending: Session.disconnect(
            .protocolError, "a session that expires at disconnect cannot be extended at DISCONNECT"))])
    }

    // MARK: Session takeover

    @Test(arguments: Session.versions)
    func theConnectionThatHeldASessionIsToldItWasTakenOverAndLeavesWhatItDidNotFinish(_ version: MQTTVersion) {
        var (old, will) = Self.connectedWithWill(version)
        _ = old.deliver(Session.delivery("devices/x/cmd/a", qos: .atLeastOnce))
        _ = old.deliver(Session.delivery("devices/x/cmd/b", qos: .exactlyOnce))
        _ = old.receive(.ack(AckPacket(.pubrec, packetID: 2)))
        _ = old.deliver(Session.delivery("devices/x/cmd/c", qos: .atMostOnce))
        #expect(old.run(old.machine.terminate(.sessionTakenOver, "taken over"))
            == [.close(sending: version == .v5 ? Session.disconnect(.sessionTakenOver, "taken over") : nil)])
        // A takeover is not a DISCONNECT from the client: the will goes too (MQTT 5 §3.1.4).
        #expect(old.run(old.machine.channelClosed()) == [.finish(SessionEndStep(unacknowledged: [1, 2], will: will))])
        #expect(old.deliver(Session.delivery("devices/x/cmd/d", qos: .atLeastOnce)) == [.requeue(topic: "devices/x/cmd/d")])
    }

    @Test(arguments: Session.versions)
    func theConnectionThatTakesASessionOverResendsWhatWasNotAcknowledged(_ version: MQTTVersion) {
        var session = Session()
        let resumed = [
            Session.delivery("devices/x/cmd/a", qos: .atLeastOnce, packetID: 1),
            Session.delivery("devices/x/cmd/b", qos: .exactlyOnce, packetID: 2, released: true),
            Session.delivery("devices/x/cmd/c", qos: .atLeastOnce),
        ]
        let attachment = Machine.Attachment(sessionPresent: true, resumed: resumed, awaitingRelease: [7], generation: 2, durable: 0)
        let steps = session.connect(Session.connectPacket(version, cleanStart: false), attachment: attachment)
        let payload = ByteBuffer(string: "on")
        #expect(Array(steps.suffix(4)) == [
            .send(.connack(ConnAckPacket(sessionPresent: true, reasonCode: .success, properties: steps.connackProperties))),
            .sendPublish(PublishPacket(topic: "devices/x/cmd/a", payload: payload, qos: .atLeastOnce, dup: true, packetID: 1)),
            .send(.ack(AckPacket(.pubrel, packetID: 2))),
            .sendPublish(PublishPacket(topic: "devices/x/cmd/c", payload: payload, qos: .atLeastOnce, packetID: 3)),
        ])
        // The session's unreleased QoS 2 id from the client is still known.
        #expect(session.receive(.ack(AckPacket(.pubrel, packetID: 7))) == [.send(.ack(AckPacket(.pubcomp, packetID: 7)))])
    }

    @Test func messagesRoutedWhileTheConnackWaitsForStorageFollowIt() {
        var session = Session()
        _ = session.receive(.connect(Session.connectPacket(.v311, cleanStart: false)))
        _ = session.run(session.machine.authenticated(.accepted(Session.client), now: session.now))
        let attachment = Machine.Attachment(sessionPresent: false, resumed: [], awaitingRelease: [], generation: 1, durable: 4)
        #expect(session.run(session.machine.attached(attachment)).last == .awaitStorage(4))
        #expect(session.deliver(Session.delivery(qos: .atLeastOnce)) == [])
        #expect(session.run(session.machine.stored(true)) == [
            .send(.connack(ConnAckPacket(sessionPresent: false, reasonCode: .success))),
            .sendPublish(PublishPacket(topic: "devices/x/cmd/power", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, packetID: 1)),
        ])
    }

    // MARK: Packets before the end

    @Test(arguments: Session.versions)
    func packetsSentBeforeTheConnectionClosedAreHandledBeforeTheSessionEnds(_ version: MQTTVersion) {
        var (session, _) = Self.connectedWithWill(version)
        let command = "devices/\(DeviceID())/cmd/power"
        #expect(session.receive(Session.publish(command)) == [.askPolicy(topic: command)])
        #expect(session.receive(.disconnect(DisconnectPacket())) == [], "held while the policy decides")
        #expect(session.run(session.machine.channelClosed()) == [], "the end waits for the decision")
        #expect(session.run(session.machine.policyDecided(.allow("a peer"), onOwnFacts: false))
            == [.route(topic: command, watchCongestion: false)])
        #expect(session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
            == [.close(sending: nil), .finish(SessionEndStep())], "routed, then DISCONNECT: no will")
    }

    /// A command to another device allowed on the broker's device facts is remembered until those
    /// facts change: a command stream then takes no policy round trip per message, and a change
    /// (the target moved or quarantined) asks again. A refusal is never remembered.
    @Test func aCommandAllowedOnDeviceFactsIsRememberedUntilTheyChange() {
        var session = Session.connected(.v311)
        session.machine.deviceFacts(asOf: 1)
        let command = "devices/\(DeviceID())/cmd/power"
        #expect(session.receive(Session.publish(command)) == [.askPolicy(topic: command)])
        #expect(session.run(session.machine.policyDecided(.allow("a peer"), onOwnFacts: false, onDeviceFacts: true))
            == [.route(topic: command, watchCongestion: false)])
        _ = session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
        #expect(session.receive(Session.publish(command)) == [.route(topic: command, watchCongestion: false)], "remembered")
        _ = session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
        session.machine.deviceFacts(asOf: 1)
        #expect(session.receive(Session.publish(command)) == [.route(topic: command, watchCongestion: false)], "same facts")
        _ = session.run(session.machine.routed(durable: 0, holdAcknowledgements: false))
        session.machine.deviceFacts(asOf: 2)
        #expect(session.receive(Session.publish(command)) == [.askPolicy(topic: command)], "new facts: asked again")
        _ = session.run(session.machine.policyDecided(.deny("device-quarantined", "no"), onOwnFacts: false, onDeviceFacts: true))
        #expect(session.receive(Session.publish(command)) == [.askPolicy(topic: command)], "a refusal is not remembered")
    }

    @Test func readingPausesWhileTooManyPacketsWaitAndResumesWhenTheyAreHandled() {
        var session = Session.connected(.v311)
        let command = "devices/\(DeviceID())/cmd/power"
        _ = session.receive(Session.publish(command))
        for count in 1...Machine.maximumHeld {
            #expect(session.receive(.pingreq) == (count == Machine.maximumHeld ? [.pauseReading] : []))
        }
        let steps = session.run(session.machine.policyDecided(.deny("unknown-device", "no such device"), onOwnFacts: false))
        #expect(steps.first == .recordDenial(.publishMessage, sample: command))
        #expect(steps.filter { $0 == .send(.pingresp) }.count == Machine.maximumHeld)
        #expect(steps.last == .resumeReading)
    }

    @Test(arguments: Session.versions)
    func aDeniedPublishIsAcknowledgedWithTheReasonMQTT5CanSay(_ version: MQTTVersion) {
        var session = Session.connected(version)
        _ = session.receive(Session.publish("devices/other/state", qos: .atLeastOnce, id: 4))
        let steps = session.run(session.machine.policyDecided(.deny("not-permitted", "not yours"), onOwnFacts: true))
        #expect(steps == [
            .recordDenial(.publishMessage, sample: "devices/other/state"),
            .send(.ack(AckPacket(
                .puback, packetID: 4, reasonCode: version == .v5 ? .notAuthorized : .success,
                properties: version == .v5 ? Session.reasonString("not yours") : .none))),
        ])
    }

    /// A held command is kept (the executor hands it to detection), not routed and not a denial;
    /// the client hears 0x83 with the reason (MQTT 5), or a plain acknowledgement (3.1.1).
    @Test(arguments: Session.versions)
    func aHeldCommandIsKeptNotRoutedAndTheClientIsTold(_ version: MQTTVersion) {
        var session = Session.connected(version)
        let lock = DeviceFacts(id: DeviceID(), household: HouseholdID(), zone: .security, state: .active)
        let command = "devices/\(lock.id)/cmd/open"
        _ = session.receive(Session.publish(command, qos: .atLeastOnce, id: 7))
        let steps = session.run(session.machine.policyDecided(
            .hold("step-up-required", "held for an owner's approval"), onOwnFacts: false, target: lock))
        #expect(steps == [
            .holdCommand(topic: command),
            .send(.ack(AckPacket(
                .puback, packetID: 7, reasonCode: version == .v5 ? .implementationSpecificError : .success,
                properties: version == .v5 ? Session.reasonString("held for an owner's approval") : .none))),
        ])
        #expect(session.receive(Session.publish(command)) == [.askPolicy(topic: command)], "a hold is not remembered")
    }

    @Test func acknowledgementsWaitForACongestedSubscriberAndLeaveInOrder() {
        var session = Session.connected(.v5)
        let topic = Session.ownTopic
        _ = session.receive(Session.publish(topic, qos: .atLeastOnce, id: 1))
        _ = session.run(session.machine.policyDecided(.allow("own"), onOwnFacts: true))
        #expect(session.run(session.machine.routed(durable: 0, holdAcknowledgements: true)) == [])
        _ = session.receive(Session.publish(topic, qos: .atLeastOnce, id: 2))
        #expect(session.run(session.machine.routed(durable: 0, holdAcknowledgements: false)) == [], "behind the held one")
        #expect(session.run(session.machine.releaseAcknowledgements()) == [
            .send(.ack(AckPacket(.puback, packetID: 1))), .send(.ack(AckPacket(.puback, packetID: 2))),
        ])
    }

    @Test func aMessageTheBrokerCouldNotStoreIsNotAcknowledged() {
        var session = Session.connected(.v5)
        _ = session.receive(Session.publish(Session.ownTopic, qos: .atLeastOnce, id: 1))
        _ = session.run(session.machine.policyDecided(.allow("own"), onOwnFacts: true))
        #expect(session.run(session.machine.routed(durable: 3, holdAcknowledgements: false)) == [.awaitStorage(3)])
        #expect(session.run(session.machine.stored(false)) == [.close(sending: Session.disconnect(
            .unspecifiedError, "the broker could not store the message; send it again"))])
    }
}

extension [Step] {
    /// The properties of the CONNACK among these steps.
    var connackProperties: MQTTProperties {
        for step in self { if case .send(.connack(let connack)) = step { return connack.properties } }
        return .none
    }
}
