import Foundation
import HearthCore
import HearthMQTT
import NIOCore

extension MQTTConnection {
    /// A message for this client: QoS 0 goes out at once (or is dropped when the client is not
    /// reading); QoS 1 and 2 take an in-flight slot, or wait for one in `pending`.
    func deliver(_ delivery: Delivery) {
        guard phase == .connected else {
            if phase == .authenticating, attached {
                beforeConnAck.append(delivery)
            } else if delivery.qos > .atMostOnce, let client {
                broker.requeue(delivery, for: client.sessionKey)
            }
            return
        }
        if delivery.message.isExpired(at: broker.clock.now) { return settle(delivery) }
        if delivery.qos == .atMostOnce {
            guard context?.channel.isWritable == true else { return broker.countDropped() }
            return write(delivery, packetID: nil, dup: false)
        }
        guard inflight.count < sendQuota else {
            guard pending.count < broker.configuration.maximumQueuedMessages else { return broker.countDropped() }
            pending.append(delivery)
            if pending.count == Self.congestedAt { congestion.begin() }
            return
        }
        let id = allocatePacketID()
        inflight[id] = delivery
        write(delivery, packetID: id, dup: false)
    }

    /// Messages kept by the session while no connection had it: those sent before and not
    /// acknowledged go out again first (DUP, or their PUBREL), then the rest in order.
    func resume(_ deliveries: [Delivery]) {
        for delivery in deliveries {
            guard let id = delivery.packetID, inflight[id] == nil else {
                var fresh = delivery
                fresh.packetID = nil
                fresh.released = false
                deliver(fresh)
                continue
            }
            inflight[id] = delivery
            if delivery.released {
                released.insert(id)
                send(.ack(AckPacket(.pubrel, packetID: id)))
            } else {
                write(delivery, packetID: id, dup: true)
            }
        }
    }

    /// The client has (or can never have) the message: its stored copy goes.
    func settle(_ delivery: Delivery) {
        guard let client else { return }
        broker.settled(delivery, for: client.sessionKey)
    }

    func sendPending() {
        while inflight.count < sendQuota, !pending.isEmpty {
            deliver(pending.removeFirst())
        }
        if pending.count <= Self.drainedAt, congestion.isCongested {
            for publisher in congestion.end() { publisher.releaseAcknowledgements() }
        }
    }

    private func allocatePacketID() -> UInt16 {
        repeat {
            nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        } while inflight[nextPacketID] != nil
        return nextPacketID
    }

    private func write(_ delivery: Delivery, packetID: UInt16?, dup: Bool) {
        var properties = delivery.message.properties
        if version == .v5 {
            if !delivery.subscriptionIdentifiers.isEmpty { properties.subscriptionIdentifiers = delivery.subscriptionIdentifiers }
            if let expiresAt = delivery.message.expiresAt {
                let left = Int64(expiresAt.timeIntervalSince(broker.clock.now).rounded(.towardZero))
                properties.messageExpiryInterval = UInt32(clamping: max(1, left))
            }
        }
        let packet = MQTTPacket.publish(PublishPacket(
            topic: delivery.message.topic, payload: delivery.message.payload, qos: delivery.qos, retain: delivery.retain,
            dup: dup, packetID: packetID, properties: properties))
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: delivery.message.payload.readableBytes + delivery.message.topic.utf8.count + 16)
        MQTTCodec.encode(packet, version: version, into: &buffer)
        guard buffer.readableBytes <= clientMaximumPacketSize else {
            // MQTT 5 §3.1.2.11.4: a message too large for the client is discarded as if delivered.
            if let packetID { inflight[packetID] = nil }
            settle(delivery)
            return broker.countDropped()
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        scheduleFlushAfterWrite()
    }
}
