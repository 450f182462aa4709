@testable import HearthBroker
import Foundation
import HearthMQTT
import NIOCore
import Testing

/// The bridge's client session, driven through ``BridgeSessionStateMachine`` in memory: each
/// case feeds events with explicit times and jitter, and compares the exact actions.
@Suite struct BridgeSessionStateMachineTests {
    typealias Bridge = BridgeSessionStateMachine

    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func message(_ number: Int, tag: String = "temperature") -> BridgeMessage {
        BridgeMessage(topic: "hearth/home/\(tag)", payload: ByteBuffer(string: "m\(number)"), tag: tag)
    }

    static func publish(_ number: Int, id: UInt16, tag: String = "temperature", dup: Bool = false) -> MQTTPacket {
        .publish(PublishPacket(
            topic: "hearth/home/\(tag)", payload: ByteBuffer(string: "m\(number)"), qos: .atLeastOnce, dup: dup, packetID: id))
    }

    static let accepted = MQTTPacket.connack(ConnAckPacket(sessionPresent: false, reasonCode: .success))

    static func puback(_ id: UInt16) -> MQTTPacket { .ack(AckPacket(.puback, packetID: id)) }

    /// A session through CONNACK, at `start`.
    static func connected(limits: Bridge.Limits = .init(), keepAlive: UInt16 = 60) -> Bridge {
        var bridge = Bridge(clientID: "hub-1", keepAlive: keepAlive, limits: limits)
        _ = bridge.start(now: start)
        _ = bridge.transportReady(now: start)
        _ = bridge.packetReceived(accepted, now: start)
        return bridge
    }

    // MARK: Connecting

    @Test func connectSendsAPersistentSessionConnectAndTheConnAckOpensTheWindow() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 45)
        #expect(bridge.offer(Self.message(1), now: Self.start) == [])
        #expect(bridge.start(now: Self.start) == [.connect])
        #expect(bridge.start(now: Self.start) == [], "a second start changes nothing")
        #expect(bridge.transportReady(now: Self.start) == [
            .send([.connect(ConnectPacket(version: .v311, clientID: "hub-1", cleanStart: false, keepAlive: 45))]),
        ])
        #expect(!bridge.status.connected)
        #expect(bridge.packetReceived(Self.accepted, now: Self.start) == [.send([Self.publish(1, id: 1)])])
        #expect(bridge.status == BridgeStatus(connected: true, queued: 0, inFlight: 1))
    }

    @Test func aRefusedConnectClosesAndRetriesWithTheReasonInTheStatus() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = bridge.start(now: Self.start)
        _ = bridge.transportReady(now: Self.start)
        let refusal = MQTTPacket.connack(ConnAckPacket(sessionPresent: false, reasonCode: .notAuthorized))
        #expect(bridge.packetReceived(refusal, now: Self.start) == [.close(sending: nil)])
        #expect(bridge.status.lastError == "the broker refused the connection: not authorized (0x87)")
        #expect(bridge.connectionClosed(reason: nil, now: Self.start, jitter: 1) == [.scheduleReconnect(after: .seconds(1))])
        #expect(bridge.status.lastError == "the broker refused the connection: not authorized (0x87)", "the close adds nothing")
    }

    @Test func noConnAckInTimeClosesTheAttempt() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = bridge.start(now: Self.start)
        #expect(bridge.tick(now: Self.start + 29) == [])
        #expect(bridge.tick(now: Self.start + 30) == [.close(sending: nil)])
        #expect(bridge.status.lastError == "no connection to the broker within 30 s")

        var waiting = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = waiting.start(now: Self.start)
        _ = waiting.transportReady(now: Self.start + 1)
        #expect(waiting.tick(now: Self.start + 30) == [])
        #expect(waiting.tick(now: Self.start + 31) == [.close(sending: nil)])
        #expect(waiting.status.lastError == "no CONNACK from the broker within 30 s")
    }

    @Test func anUnexpectedPacketClosesTheConnection() {
        var bridge = Self.connected()
        #expect(bridge.packetReceived(.pingreq, now: Self.start) == [.close(sending: nil)])
        #expect(bridge.status.lastError == "the broker sent PINGREQ where MQTT 3.1.1 allows none to a publishing client")
    }

    // MARK: The window and acknowledgements

    @Test func atMost32MessagesAreInFlight() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 60)
        for number in 1...40 { _ = bridge.offer(Self.message(number), now: Self.start) }
        _ = bridge.start(now: Self.start)
        _ = bridge.transportReady(now: Self.start)
        #expect(bridge.packetReceived(Self.accepted, now: Self.start)
            == [.send((1...32).map { Self.publish($0, id: UInt16($0)) })])
        #expect(bridge.status.inFlight == 32)
        #expect(bridge.status.queued == 8)
        #expect(bridge.offer(Self.message(41), now: Self.start) == [], "the window is full: it waits")
        #expect(bridge.status.queued == 9)
    }

    @Test func eachPubAckReportsItsMessageAndLetsTheNextOneGo() {
        var bridge = Self.connected(limits: .init(window: 3))
        _ = bridge.offer(Self.message(1, tag: "power"), now: Self.start)
        _ = bridge.offer(Self.message(2), now: Self.start)
        _ = bridge.offer(Self.message(3, tag: "power"), now: Self.start)
        _ = bridge.offer(Self.message(4), now: Self.start)
        _ = bridge.offer(Self.message(5), now: Self.start)
        // Out of order: each acknowledgement is reported as it comes, and refills the window in queue order.
        #expect(bridge.packetReceived(Self.puback(3), now: Self.start) == [
            .acknowledged(tag: "power", bytes: 2), .send([Self.publish(4, id: 4)]),
        ])
        #expect(bridge.packetReceived(Self.puback(1), now: Self.start) == [
            .acknowledged(tag: "power", bytes: 2), .send([Self.publish(5, id: 5)]),
        ])
        #expect(bridge.packetReceived(Self.puback(2), now: Self.start) == [.acknowledged(tag: "temperature", bytes: 2)])
        #expect(bridge.packetReceived(Self.puback(2), now: Self.start) == [], "a second PUBACK for an id is ignored")
        #expect(bridge.packetReceived(Self.puback(999), now: Self.start) == [], "so is one for an id never used")
        #expect(bridge.status == BridgeStatus(connected: true, queued: 0, inFlight: 2, acknowledgedTotal: 3))
    }

    @Test func packetIdentifiersWrapAndSkipThoseInFlight() {
        var bridge = Self.connected(limits: .init(window: 2))
        bridge.lastPacketID = .max - 1
        _ = bridge.offer(Self.message(1), now: Self.start)  // 65535
        #expect(bridge.offer(Self.message(2), now: Self.start) == [.send([Self.publish(2, id: 1)])])
        _ = bridge.packetReceived(Self.puback(1), now: Self.start)
        bridge.lastPacketID = .max - 1
        #expect(bridge.offer(Self.message(3), now: Self.start) == [.send([Self.publish(3, id: 1)])], "65535 is still in flight")
    }

    // MARK: Reconnecting

    @Test func unacknowledgedMessagesAreResentWithDupAndTheirIdsAfterAReconnect() {
        var bridge = Self.connected(limits: .init(window: 3))
        for number in 1...4 { _ = bridge.offer(Self.message(number), now: Self.start) }
        _ = bridge.packetReceived(Self.puback(2), now: Self.start)  // 4 goes out as id 4
        #expect(bridge.connectionClosed(reason: "reset", now: Self.start, jitter: 1) == [.scheduleReconnect(after: .seconds(1))])
        #expect(!bridge.status.connected)
        #expect(bridge.status.lastError == "reset")
        _ = bridge.offer(Self.message(5), now: Self.start)
        #expect(bridge.reconnectDue(now: Self.start + 1) == [.connect])
        _ = bridge.transportReady(now: Self.start + 1)
        #expect(bridge.packetReceived(Self.accepted, now: Self.start + 1) == [
            .send([Self.publish(1, id: 1, dup: true), Self.publish(3, id: 3, dup: true), Self.publish(4, id: 4, dup: true)]),
        ])
        #expect(bridge.status.queued == 1, "the window is full of resends")
        #expect(bridge.packetReceived(Self.puback(1), now: Self.start + 1) == [
            .acknowledged(tag: "temperature", bytes: 2), .send([Self.publish(5, id: 5)]),
        ])
    }

    @Test func theBackoffDoublesWithJitterUpTo60SecondsAndResetsOnAcceptance() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = bridge.start(now: Self.start)
        var delays: [TimeAmount] = []
        for attempt in 0..<9 {
            let actions = bridge.connectionClosed(reason: "refused", now: Self.start, jitter: attempt == 8 ? 0 : 1)
            guard case .scheduleReconnect(let delay)? = actions.first else {
                Issue.record("no reconnect: \(actions)")
                return
            }
            delays.append(delay)
            _ = bridge.reconnectDue(now: Self.start)
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 30].map { TimeAmount.seconds($0) })

        var jittered = BridgeBackoff()
        #expect(jittered.nextDelay(jitter: 0.5) == .milliseconds(750))
        #expect(jittered.nextDelay(jitter: 0) == .seconds(1))

        _ = bridge.transportReady(now: Self.start)
        _ = bridge.packetReceived(Self.accepted, now: Self.start)
        #expect(bridge.connectionClosed(reason: nil, now: Self.start, jitter: 1) == [.scheduleReconnect(after: .seconds(1))])
        #expect(bridge.status.lastError == "the broker closed the connection")
    }

    // MARK: The queue

    @Test func aFullQueueDropsItsOldestAndCountsIt() {
        var bridge = Bridge(clientID: "hub-1", keepAlive: 60, limits: .init(queueCapacity: 3))
        for number in 1...5 { _ = bridge.offer(Self.message(number), now: Self.start) }
        #expect(bridge.status.queued == 3)
        #expect(bridge.status.droppedTotal == 2)
        _ = bridge.start(now: Self.start)
        _ = bridge.transportReady(now: Self.start)
        #expect(bridge.packetReceived(Self.accepted, now: Self.start)
            == [.send([Self.publish(3, id: 1), Self.publish(4, id: 2), Self.publish(5, id: 3)])])
    }

    @Test func discardRemovesOnlyQueuedMessagesOfThatTag() {
        var bridge = Self.connected(limits: .init(window: 2))
        _ = bridge.offer(Self.message(1, tag: "presence"), now: Self.start)
        _ = bridge.offer(Self.message(2, tag: "power"), now: Self.start)
        _ = bridge.offer(Self.message(3, tag: "presence"), now: Self.start)
        _ = bridge.offer(Self.message(4, tag: "power"), now: Self.start)
        _ = bridge.offer(Self.message(5, tag: "presence"), now: Self.start)
        #expect(bridge.discard { $0.tag == "presence" } == 2)
        #expect(bridge.status.queued == 1)
        #expect(bridge.status.inFlight == 2, "message 1 has left already and is not recalled")
        #expect(bridge.status.discardedTotal == 2)
        #expect(bridge.packetReceived(Self.puback(1), now: Self.start) == [
            .acknowledged(tag: "presence", bytes: 2), .send([Self.publish(4, id: 3, tag: "power")]),
        ])
        #expect(bridge.packetReceived(Self.puback(2), now: Self.start) == [.acknowledged(tag: "power", bytes: 2)])
    }

    @Test func aMessageThatCouldNeverBeSentIsDroppedWhenOffered() {
        var bridge = Self.connected()
        let wildcard = BridgeMessage(topic: "hearth/home/+", payload: ByteBuffer(string: "x"), tag: "power")
        #expect(bridge.offer(wildcard, now: Self.start) == [])
        #expect(bridge.status.droppedTotal == 1)
        #expect(bridge.status.lastError == "a message of power was dropped: topic name contains a wildcard")
        var small = Self.connected(limits: .init(maximumRemainingLength: 40))
        let large = BridgeMessage(topic: "t", payload: ByteBuffer(repeating: 0, count: 40), tag: "camera")
        #expect(small.offer(large, now: Self.start) == [])
        #expect(small.status.lastError == "a message of camera was dropped: 40 bytes is more than an MQTT packet holds")
    }

    // MARK: Time

    @Test func aQuietConnectionSendsPingReqAfterTheKeepAlive() {
        var bridge = Self.connected(keepAlive: 60)
        #expect(bridge.tick(now: Self.start + 59) == [])
        #expect(bridge.tick(now: Self.start + 60) == [.send([.pingreq])])
        #expect(bridge.tick(now: Self.start + 61) == [], "one PINGREQ at a time")
        #expect(bridge.packetReceived(.pingresp, now: Self.start + 61) == [])
        // A PUBLISH counts as traffic: the next PINGREQ is a keep-alive after it.
        _ = bridge.offer(Self.message(1), now: Self.start + 100)
        _ = bridge.packetReceived(Self.puback(1), now: Self.start + 100)
        #expect(bridge.tick(now: Self.start + 159) == [])
        #expect(bridge.tick(now: Self.start + 160) == [.send([.pingreq])])
        #expect(bridge.tick(now: Self.start + 190) == [.close(sending: nil)], "no PINGRESP")
        #expect(bridge.status.lastError == "no PINGRESP from the broker within 30 s")

        var silent = Self.connected(keepAlive: 0)
        #expect(silent.tick(now: Self.start + 10_000) == [], "keep-alive 0 is off")
    }

    @Test func aPubAckNotInTimeClosesAndTheMessageIsResentOnTheNextConnection() {
        var bridge = Self.connected(limits: .init(responseTimeout: 20))
        _ = bridge.offer(Self.message(1), now: Self.start + 5)
        #expect(bridge.tick(now: Self.start + 24) == [])
        #expect(bridge.tick(now: Self.start + 25) == [.close(sending: nil)])
        #expect(bridge.status.lastError == "no PUBACK from the broker within 20 s")
        #expect(bridge.packetReceived(Self.puback(1), now: Self.start + 25) == [], "closing: nothing more is taken")
        #expect(bridge.connectionClosed(reason: nil, now: Self.start + 25, jitter: 1) == [.scheduleReconnect(after: .seconds(1))])
        #expect(bridge.status.lastError == "no PUBACK from the broker within 20 s")
        _ = bridge.reconnectDue(now: Self.start + 26)
        _ = bridge.transportReady(now: Self.start + 26)
        #expect(bridge.packetReceived(Self.accepted, now: Self.start + 26) == [.send([Self.publish(1, id: 1, dup: true)])])
    }

    // MARK: Stopping

    @Test func stopSaysDisconnectWhenConnectedAndNeverReconnects() {
        var bridge = Self.connected()
        _ = bridge.offer(Self.message(1), now: Self.start)
        #expect(bridge.stop() == [.close(sending: .disconnect(DisconnectPacket()))])
        #expect(bridge.stop() == [])
        #expect(bridge.connectionClosed(reason: nil, now: Self.start, jitter: 1) == [])
        #expect(bridge.phase == .stopped)
        #expect(bridge.reconnectDue(now: Self.start) == [])
        #expect(bridge.offer(Self.message(2), now: Self.start) == [])
        #expect(bridge.status.droppedTotal == 1)

        var waiting = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = waiting.start(now: Self.start)
        _ = waiting.connectionClosed(reason: "refused", now: Self.start, jitter: 1)
        #expect(waiting.stop() == [.cancelReconnect])
        #expect(waiting.phase == .stopped)

        var dialing = Bridge(clientID: "hub-1", keepAlive: 60)
        _ = dialing.start(now: Self.start)
        #expect(dialing.stop() == [.close(sending: nil)])
        #expect(dialing.connectionClosed(reason: "refused", now: Self.start, jitter: 1) == [])
        #expect(dialing.phase == .stopped)
    }
}
