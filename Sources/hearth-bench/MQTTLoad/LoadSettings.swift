import HearthCommandLine
import HearthMQTT
import NIOCore

/// What one connection of a run does once the broker has accepted it.
enum LoadRole: Sendable {
    /// Publishes to `topic`; `index` goes into every payload's sequence number.
    case publisher(topic: String, index: Int)
    case subscriber(filter: String)
    /// Connects and then sends nothing (the idle-connection mode).
    case idle
}

/// The settings every client of a run shares.
struct LoadSettings: Sendable {
    var version: MQTTVersion
    var qos: QoS
    var payloadSize: Int
    var payloadKind: LoadPayloadKind = .binary
    /// Messages per second per publisher; 0: as fast as flow control allows.
    var rate: Double
    /// Unacknowledged QoS 1 messages per publisher at most.
    var inflight: Int
    var keepAlive: UInt16
    /// Publishers of the run (subscribers track each one's sequence to count duplicates).
    var publishers: Int
    var maximumPacketSize = 1 << 20
    /// How long a client waits for its CONNACK (and SUBACK) before giving up.
    var readyTimeout: TimeAmount = .seconds(30)
}

/// The run's timeline in ``LoadClock`` nanoseconds: publishing starts at `start`, the measured
/// window is `[windowStart, windowEnd)`, and publishing ends at `windowEnd`.
struct LoadWindow: Sendable {
    let start: UInt64
    let windowStart: UInt64
    let windowEnd: UInt64

    func contains(_ time: UInt64) -> Bool { time >= windowStart && time < windowEnd }
}

/// What a client counted: a snapshot taken on its event loop.
struct LoadCounters: Sendable {
    var published: UInt64 = 0
    var publishedInWindow: UInt64 = 0
    var acknowledged: UInt64 = 0
    /// PUBACKs with a failure reason code (MQTT 5 only; 3.1.1 acknowledges refused messages too).
    var refused: UInt64 = 0
    var inflight = 0
    var delivered: UInt64 = 0
    var deliveredInWindow: UInt64 = 0
    /// Deliveries whose sequence number was not above the last one seen from that publisher.
    var duplicates: UInt64 = 0
    /// Deliveries whose payload carried no stamp (not sent by this run).
    var foreign: UInt64 = 0
    var latency = LatencyHistogram()
    var open = false
    /// Why the connection failed or ended, when the run did not end it.
    var failure: String?
}
