import Foundation
import HearthMQTT

extension MQTTSessionStateMachine {
    /// A message for this client: QoS 0 goes out at once (or is dropped when the client is not
    /// reading); QoS 1 and 2 take an in-flight slot, or wait for one in `pending`.
    ///
    /// `now` and `writable` are read only when needed: most messages have no expiry, and this
    /// runs for every message.
    mutating func deliver(_ delivery: Delivery, now: @autoclosure () -> Date, writable: @autoclosure () -> Bool) -> Action {
        guard phase == .connected else {
            if phase == .authenticating, attached {
                beforeConnAck.append(delivery)
            } else if delivery.qos > .atMostOnce, client != nil {
                return .requeue(delivery)
            }
            return .none
        }
        // Read once, for the expiry check and the interval left alike (a clock read is a good
        // share of what a message with an expiry, as every telemetry message has, costs here).
        let time = delivery.message.expiresAt.map { _ in now() }
        if let time, delivery.message.isExpired(at: time) { return .settle(delivery) }
        if delivery.qos == .atMostOnce {
            guard writable() else { return .countDropped }
            return publish(delivery, packetID: nil, dup: false, now: time ?? now())
        }
        guard inflight.count < sendQuota else {
            guard pending.count < limits.maximumQueuedMessages else { return .discard(delivery) }
            pending.append(delivery)
            if pending.count == Self.congestedAt {
                congested = true
                return .beginCongestion
            }
            return .none
        }
        let id = allocatePacketID()
        inflight[id] = delivery
        return publish(delivery, packetID: id, dup: false, now: time ?? now())
    }

    /// A message kept by the session while no connection had it: one sent before and not
    /// acknowledged goes out again (DUP, or its PUBREL); the others as new.
    mutating func resume(_ delivery: Delivery, now: @autoclosure () -> Date, writable: @autoclosure () -> Bool) -> Action {
        guard let id = delivery.packetID, inflight[id] == nil else {
            var fresh = delivery
            fresh.packetID = nil
            fresh.released = false
            return deliver(fresh, now: now(), writable: writable())
        }
        inflight[id] = delivery
        if delivery.released {
            released.insert(id)
            return .send(.ack(AckPacket(.pubrel, packetID: id)))
        }
        return publish(delivery, packetID: id, dup: true, now: now())
    }

    /// The encoded size of a PUBLISH from ``Action/sendPublish(_:)``: `.none` to write it, or
    /// `.discard` when it is larger than the client takes.
    mutating func encoded(_ outgoing: OutgoingPublish, size: Int) -> Action {
        guard size > clientMaximumPacketSize else { return .none }
        // MQTT 5 §3.1.2.11.4: a message too large for the client is discarded as if delivered.
        if let id = outgoing.packetID { inflight[id] = nil }
        return .discard(outgoing.delivery)
    }

    private mutating func allocatePacketID() -> UInt16 {
        repeat {
            nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        } while inflight[nextPacketID] != nil
        return nextPacketID
    }

    private func publish(_ delivery: Delivery, packetID: UInt16?, dup: Bool, now: @autoclosure () -> Date) -> Action {
        var outgoing = OutgoingPublish(delivery: delivery, packetID: packetID, dup: dup)
        if version == .v5 {
            outgoing.withSubscriptionIdentifiers = !delivery.subscriptionIdentifiers.isEmpty
            if let expiresAt = delivery.message.expiresAt {
                let left = Int64(expiresAt.timeIntervalSince(now()))  // toward zero
                outgoing.messageExpiryInterval = UInt32(clamping: max(1, left))
            }
        }
        return .sendPublish(outgoing)
    }
}
