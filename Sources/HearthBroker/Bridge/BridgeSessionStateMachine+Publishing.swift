import Foundation
import HearthMQTT
import NIOCore

/// Messages: the bounded queue, the window of QoS 1 messages in flight, their acknowledgements,
/// and withdrawals.
extension BridgeSessionStateMachine {
    /// A message to forward. It waits in the queue until the window has room (at once when
    /// connected and the window is not full); a full queue drops its oldest message, which is
    /// counted. A message that could never be sent (a bad topic, too large) is dropped here.
    mutating func offer(_ message: BridgeMessage, now: Date) -> [Action] {
        if let problem = unsendable(message) {
            droppedTotal += 1
            lastError = "a message of \(message.tag) was dropped: \(problem)"
            return []
        }
        guard !stopping, phase != .stopped else {
            droppedTotal += 1
            return []
        }
        if queue.count >= limits.queueCapacity {
            queue.removeFirst()
            droppedTotal += 1
        }
        queue.append(message)
        guard phase == .connected else { return [] }
        return fillWindow(now: now)
    }

    /// Removes the queued messages `predicate` picks (consent withdrawn: they must never leave).
    /// Messages in flight are not recalled: they have already gone to the broker once.
    @discardableResult
    mutating func discard(where predicate: (BridgeMessage) -> Bool) -> Int {
        let before = queue.count
        queue.removeAll(where: predicate)
        let removed = before - queue.count
        discardedTotal += removed
        return removed
    }

    /// A message withdrawn before it reached the queue.
    mutating func countDiscarded() {
        discardedTotal += 1
    }

    /// A PUBACK: the message is the broker's now. One for an identifier not in flight is ignored
    /// (a late duplicate harms nothing, and the broker acknowledges each identifier once).
    mutating func acknowledge(_ packetID: UInt16, now: Date) -> [Action] {
        guard let index = inFlight.firstIndex(where: { $0.packetID == packetID }) else { return [] }
        let message = inFlight.remove(at: index).message
        acknowledgedTotal += 1
        return [.acknowledged(tag: message.tag, bytes: message.payload.readableBytes)] + fillWindow(now: now)
    }

    /// Sends queued messages while the window has room.
    mutating func fillWindow(now: Date) -> [Action] {
        var packets: [MQTTPacket] = []
        while inFlight.count < limits.window, let message = queue.popFirst() {
            let packetID = nextPacketID()
            inFlight.append(InFlight(packetID: packetID, message: message, sentAt: now))
            packets.append(.publish(Self.publish(message, packetID: packetID, dup: false)))
        }
        guard !packets.isEmpty else { return [] }
        lastSent = now
        return [.send(packets)]
    }

    /// After a reconnect: every message not acknowledged goes again, in its original order, with
    /// its original packet identifier and DUP set (MQTT 3.1.1 §4.4, §3.3.1.1).
    mutating func resendInFlight(now: Date) -> [Action] {
        guard !inFlight.isEmpty else { return [] }
        var packets: [MQTTPacket] = []
        for index in inFlight.indices {
            inFlight[index].sentAt = now
            packets.append(.publish(Self.publish(inFlight[index].message, packetID: inFlight[index].packetID, dup: true)))
        }
        lastSent = now
        return [.send(packets)]
    }

    static func publish(_ message: BridgeMessage, packetID: UInt16, dup: Bool) -> PublishPacket {
        PublishPacket(topic: message.topic, payload: message.payload, qos: .atLeastOnce, dup: dup, packetID: packetID)
    }

    /// 1…65535, skipping identifiers still in flight (§2.3.1: one per unacknowledged PUBLISH).
    private mutating func nextPacketID() -> UInt16 {
        repeat {
            lastPacketID = lastPacketID == .max ? 1 : lastPacketID + 1
        } while inFlight.contains { $0.packetID == lastPacketID }
        return lastPacketID
    }

    /// Why the message can never go out, or nil.
    private func unsendable(_ message: BridgeMessage) -> String? {
        do {
            try TopicName.validate(message.topic)
        } catch {
            return error.detail
        }
        // Topic length, topic, packet identifier, payload (§3.3.2, §3.3.3).
        let remainingLength = 2 + message.topic.utf8.count + 2 + message.payload.readableBytes
        guard remainingLength <= limits.maximumRemainingLength else {
            return "\(message.payload.readableBytes) bytes is more than an MQTT packet holds"
        }
        return nil
    }
}
