import HearthCommandLine
import HearthMQTT
import NIOCore

/// A subscriber's side: each delivery is counted, checked against its publisher's last sequence
/// number, and timed from its stamp; QoS 1 deliveries are acknowledged at the end of the read burst.
extension LoadClient {
    func receivePublish(_ publish: PublishPacket) {
        let now = LoadClock.now()
        counters.delivered += 1
        let stamp = LoadPayload.read(publish.payload, kind: settings.payloadKind)
        if let stamp, stamp.publisher < lastCounter.count, stamp.time <= now {
            let counter = Int64(stamp.counter)
            if counter <= lastCounter[stamp.publisher] { counters.duplicates += 1 } else { lastCounter[stamp.publisher] = counter }
            if let window, window.contains(now) {
                counters.deliveredInWindow += 1
                counters.latency.record(microseconds: (now - stamp.time) / 1000)
            }
        } else {
            counters.foreign += 1
        }
        if publish.qos == .atLeastOnce, let id = publish.packetID {
            MQTTCodec.encode(.ack(AckPacket(.puback, packetID: id)), version: settings.version, into: &out)
        }
    }
}
