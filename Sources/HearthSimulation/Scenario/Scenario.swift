import Foundation
import HearthCore

/// A fleet's day, as a scenario file describes it (JSON; `scenarios/*.json`, docs/simulator.md):
/// the hub's settings, the kinds of devices and how many, a timeline of events, and what the run
/// must show — so a scenario is also a test.
public struct Scenario: Codable, Sendable, Hashable {
    public var name: String
    public var description: String
    /// Seconds the fleet is played for once it is set up (paired and connected).
    public var duration: Double
    public var hub: HubSettings
    public var kinds: [DeviceKind]
    public var timeline: [TimelineEvent]
    public var expect: Expectations

    public struct HubSettings: Codable, Sendable, Hashable {
        /// Device certificate lifetime in seconds: short ones play a day of renewals in minutes.
        public var certificateLifetime: Int
        /// Renewals and token requests at once before the hub sheds (`--max-in-flight`).
        public var maxInFlight: Int?
        /// QoS 1/2 messages kept for one MQTT client (`--max-queued-messages`): the monitor app
        /// subscribes to the whole fleet.
        public var maxQueuedMessages: Int?
    }

    /// Devices alike: how many, what they publish and how often.
    public struct DeviceKind: Codable, Sendable, Hashable {
        public var name: String
        public var count: Int
        /// Seconds between telemetry messages; 0 publishes none.
        public var telemetryEvery: Double
        public var qos: Int
        /// How far the device's clock is off, in seconds (positive: ahead); it decides when it renews.
        public var clockSkew: Double?
        /// MQTT persistent session (clean session 0) instead of a clean one.
        public var persistentSession: Bool?
        /// The MQTT keep-alive in seconds (default 120): a device gives up on a session when the
        /// hub has been silent this long, and the hub on a device after one and a half times it.
        public var keepAlive: Int?
    }

    public struct TimelineEvent: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// `count` more devices of `kind` pair at once.
            case pairingBurst = "pairing-burst"
            /// A `share` of the devices holds its renewals for `duration` seconds (0 if absent),
            /// then renews all at once, each as soon as its window is open and without the SDK's
            /// spread: certificates issued together, coming back together after an outage.
            case renewalWave = "renewal-wave"
            /// `requests` token requests, `concurrency` at a time, by one client.
            case tokenStorm = "token-storm"
            /// The hub is killed (SIGKILL) and started again on the same data.
            case hubRestart = "hub-restart"
            /// A `share` of the devices cannot reach the hub for `duration` seconds.
            case partition
            /// A `share` of the devices is decommissioned by the owner.
            case decommission
            /// Strangers try what detection notices: CONNECTs with certificates the hub never
            /// issued and failed sign-ins, `count` of each.
            case attack
        }

        /// Seconds after the fleet is set up.
        public var at: Double
        public var event: Kind
        public var share: Double?
        public var count: Int?
        public var kind: String?
        public var duration: Double?
        public var requests: Int?
        public var concurrency: Int?
    }

    /// What the run must show; each one set is checked and reported pass or fail.
    public struct Expectations: Codable, Sendable, Hashable {
        public var failedRenewals: Int?
        public var failedPairings: Int?
        public var lostQoS1: Int?
        /// Seconds within which every device is connected again after a restart or partition.
        public var reconnectWithin: Double?
        /// The share of devices connected when the run ends.
        public var connectedAtEnd: Double?
        /// Token requests that neither succeeded nor were shed with Retry-After (503 or 429).
        public var tokenErrors: Int?
        /// At least this many alerts raised (an attack day).
        public var alertsAtLeast: Int?
        /// `hearth audit verify` passes on the hub's data after the run.
        public var auditVerifies: Bool?

        public init() {}
    }

    public var deviceCount: Int { kinds.reduce(0) { $0 + $1.count } }

    /// Reads and checks a scenario file.
    public static func load(_ url: URL) throws -> Scenario {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HearthError(.invalidInput, "cannot read the scenario \(url.path)")
        }
        return try parse(data, source: url.lastPathComponent)
    }

    public static func parse(_ data: Data, source: String = "the scenario") throws -> Scenario {
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch let error as DecodingError {
            throw HearthError(.invalidInput, "\(source): \(Self.describe(error))")
        }
        try scenario.validate(source: source)
        return scenario
    }

    /// The rules a scenario must keep for its run to mean anything.
    public func validate(source: String = "the scenario") throws {
        func refuse(_ reason: String) -> HearthError { HearthError(.invalidInput, "\(source): \(reason)") }
        guard !name.isEmpty, name.count <= 80 else { throw refuse("name must be 1 to 80 characters") }
        guard duration > 0, duration <= 7 * 86_400 else { throw refuse("duration must be more than 0 and at most a week of seconds") }
        guard (60...2_592_000).contains(hub.certificateLifetime) else {
            throw refuse("hub.certificateLifetime must be 60 to 2592000 seconds")
        }
        if let limit = hub.maxInFlight, !(1...100_000).contains(limit) { throw refuse("hub.maxInFlight must be 1 to 100000") }
        if let count = hub.maxQueuedMessages, !(10...1_000_000).contains(count) {
            throw refuse("hub.maxQueuedMessages must be 10 to 1000000")
        }
        guard !kinds.isEmpty else { throw refuse("kinds must name at least one kind of device") }
        var names = Set<String>()
        for kind in kinds {
            guard kind.name.range(of: "^[a-z][a-z0-9-]{0,30}$", options: .regularExpression) != nil else {
                throw refuse("kind name '\(kind.name)' must be lower-case letters, digits and hyphens, starting with a letter")
            }
            guard names.insert(kind.name).inserted else { throw refuse("kind '\(kind.name)' is named twice") }
            guard (0...200_000).contains(kind.count) else { throw refuse("kind '\(kind.name)': count must be 0 to 200000") }
            guard kind.telemetryEvery == 0 || kind.telemetryEvery >= 0.1 else {
                throw refuse("kind '\(kind.name)': telemetryEvery must be 0 (none) or at least 0.1 s")
            }
            guard kind.qos == 0 || kind.qos == 1 else { throw refuse("kind '\(kind.name)': qos must be 0 or 1") }
            if let skew = kind.clockSkew, abs(skew) > 86_400 { throw refuse("kind '\(kind.name)': clockSkew is at most a day") }
            if let keepAlive = kind.keepAlive, !(5...3600).contains(keepAlive) {
                throw refuse("kind '\(kind.name)': keepAlive must be 5 to 3600 seconds")
            }
        }
        for (index, event) in timeline.enumerated() {
            let at = "timeline[\(index)] (\(event.event.rawValue))"
            guard event.at >= 0, event.at <= duration else { throw refuse("\(at): at must be within the duration") }
            if let share = event.share, !(share > 0 && share <= 1) { throw refuse("\(at): share must be more than 0 and at most 1") }
            switch event.event {
            case .pairingBurst:
                guard let kind = event.kind, names.contains(kind), let count = event.count, (1...200_000).contains(count) else {
                    throw refuse("\(at): needs kind (one of the kinds) and count (1 to 200000)")
                }
            case .renewalWave, .decommission:
                guard event.share != nil else { throw refuse("\(at): needs share") }
            if let seconds = event.duration, seconds < 0 { throw refuse("\(at): duration must not be negative") }
            case .partition:
                guard event.share != nil, let seconds = event.duration, seconds > 0 else {
                    throw refuse("\(at): needs share and duration (seconds)")
                }
            case .tokenStorm:
                guard let requests = event.requests, (1...10_000_000).contains(requests) else {
                    throw refuse("\(at): needs requests (1 to 10000000)")
                }
                if let concurrency = event.concurrency, !(1...10_000).contains(concurrency) {
                    throw refuse("\(at): concurrency must be 1 to 10000")
                }
            case .attack:
                guard let count = event.count, (1...100_000).contains(count) else { throw refuse("\(at): needs count (1 to 100000)") }
            case .hubRestart:
                break
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "the document" : String(path.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)) lacks \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context): return "\(path(context)) is not valid (\(context.debugDescription))"
        @unknown default: return "is not a scenario"
        }
    }
}
