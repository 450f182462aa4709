import Foundation
import HearthCore
import HearthMQTT
import NIOCore
import Synchronization

/// The declared flow a telemetry message belongs to (`<scope>/<flow>`, such as
/// `model:acme-plug/energy`), set by the ``TelemetryGate`` when it let the message in. Every
/// copy of the message asks the gate, by this tag, whether its recipient may have it: a consent
/// withdrawn a moment ago holds back the copies still queued or retained.
///
/// The gate may answer in the tag itself (``reachesApps``) — one question per routed message, on
/// the broker's hot path — and mark it ``isSuperseded`` when its rules change: from then on it
/// looks the flow up again.
public final class FlowTag: Sendable, Hashable {
    public let key: String
    /// Whether the household's apps may receive the flow, as the gate decided when it made the
    /// tag: valid until the tag is superseded. Nil (a tag read back from storage): ask each time.
    public let reachesApps: Bool?
    private let superseded = Atomic<Bool>(false)

    public init(_ key: String, reachesApps: Bool? = nil) {
        self.key = key
        self.reachesApps = reachesApps
    }

    public var isSuperseded: Bool { superseded.load(ordering: .acquiring) }
    public func supersede() { superseded.store(true, ordering: .releasing) }

    public static func == (lhs: FlowTag, rhs: FlowTag) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// What one connection remembers of the gate's last lookup of its device's flow: a device
/// publishes on one or two flows, message after message, and the gate can answer from here until
/// its rules change (``generation``) instead of looking the flow up under its lock each time. The
/// gate writes and reads it, except for the connection's own part (``topic``).
public struct TelemetryFlowMemo: Sendable {
    /// The gate's generation of rules it was remembered at (0: nothing remembered yet).
    public var generation: UInt64 = 0
    public var device = ""
    /// Kept as the caller's own substring: the connection passes the same one for as long as its
    /// device publishes on the same topic, and the same substring compares equal at once.
    public var flow: Substring = ""
    /// The gate's own record of the flow (nil: no such flow is declared for the device).
    public var entry: (any AnyObject & Sendable)?
    /// What the gate keeps for the flow between the connection's payloads (the privacy gate: what
    /// it learned of the members of the device's last payload); nil until it keeps something.
    public var hint: (any AnyObject & Sendable)?
    /// The buffer the gate wrote the last payload it let in to: written again in place
    /// (`clear(minimumCapacity:)`) once no message holds it any more — a QoS 0 message to a
    /// subscriber on the same event loop is written out before the next PUBLISH is read — and
    /// replaced by a new one while a message still does.
    public var output = ByteBuffer()
    /// The connection's own part: the topic of its device's last telemetry PUBLISH and the flow
    /// it names — a device publishes on the same topic message after message, and one comparison
    /// of the topic stands for reading the flow out of it.
    var topic = ""
    var topicFlow: Substring = ""

    public init() {}

    /// Remembers a lookup. The hint stays: the gate tells for itself whether it is the flow's.
    public mutating func remember(generation: UInt64, device: String, flow: Substring, entry: (any AnyObject & Sendable)?) {
        (self.generation, self.device, self.flow, self.entry) = (generation, device, flow, entry)
    }
}

/// What the gate made of a device's telemetry PUBLISH.
public enum TelemetryInspection: Sendable {
    /// Let in as this (minimized) payload, of this flow, stored no longer than `retention`
    /// seconds (converted once per flow: a `Duration`'s seconds take a 128-bit division).
    case forward(ByteBuffer, FlowTag, retention: TimeInterval)
    /// Taken into an aggregation window: nothing is routed now; the window's aggregate is
    /// published when it closes.
    case absorbed
    /// Refused: MQTT 5 hears the reason code (`0x87` undeclared flow, `0x99` payload that fails
    /// the flow's schema) and the text; MQTT 3.1.1 is acknowledged and the message dropped.
    case refused(ReasonCode, String)
}

/// The privacy rules on the broker's hot path (docs/privacy.md): every PUBLISH a device makes to
/// `devices/<its id>/telemetry/…` passes ``inspect(_:device:flow:household:at:memo:)`` before it is
/// routed, retained or stored, and every copy of a tagged message reaches a client only when
/// ``appsMayReceive(_:household:)`` (asked once per message routed, or per copy sent from a
/// store) and the client is an app. Both run on event loops and under the broker's lock: they
/// read memory only, never the store.
public protocol TelemetryGate: Sendable {
    /// `memo`: the connection's own (``TelemetryFlowMemo``).
    func inspect(
        _ payload: ByteBuffer, device: DeviceID, flow: Substring, household: HouseholdID, at time: Date, memo: inout TelemetryFlowMemo
    ) -> TelemetryInspection
    /// Whether the household's apps may receive messages of this flow now (its consent).
    func appsMayReceive(_ tag: FlowTag, household: HouseholdID) -> Bool
}

/// The telemetry topic of a device: `devices/<id>/telemetry/<flow…>`.
enum TelemetryTopic {
    static let prefix = "devices/"
    static let level = "/telemetry/"

    /// The flow a topic names, when it is `devices/<device>/telemetry/<flow…>` (the flow may be
    /// empty or hold further levels: no declared flow has those, so they are refused as undeclared).
    /// A connection asks it when its device publishes on a topic other than its last telemetry
    /// topic (`MQTTConnection.telemetryFlow(of:device:)`); it compares bytes in place.
    static func flow(of topic: String, device: DeviceID) -> Substring? {
        let id = device.rawValue
        let idStart = prefix.utf8.count, levelStart = idStart + id.utf8.count, flowStart = levelStart + level.utf8.count
        let utf8 = topic.utf8
        guard utf8.count >= flowStart else { return nil }
        let matches = utf8.withContiguousStorageIfAvailable { bytes in
            holds(bytes, prefix, at: 0) && holds(bytes, id, at: idStart) && holds(bytes, level, at: levelStart)
        } ?? (topic.hasPrefix(prefix + id + level))
        guard matches else { return nil }
        return Substring(utf8.dropFirst(flowStart))
    }

    /// Whether `bytes` hold `text` from `offset` (which the caller checked is in range).
    private static func holds(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String, at offset: Int) -> Bool {
        var text = text
        return text.withUTF8 { expected in
            expected.isEmpty || memcmp(bytes.baseAddress! + offset, expected.baseAddress!, expected.count) == 0
        }
    }

    /// Whether `topic` is telemetry of `device` (nil: of any device).
    static func isTelemetry(_ topic: String, of device: DeviceID?) -> Bool {
        let levels = topic.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard levels.count == 4, levels[0] == "devices", levels[2] == "telemetry" else { return false }
        return device.map { levels[1] == $0.rawValue } ?? true
    }
}
