import Foundation

/// Every threshold of the detectors and which containment rules are on. The defaults are the
/// ones `docs/detection.md` documents; a hub reads its own from `detection.json` in the data
/// folder, where any member left out keeps its default and a zone may tune the device detectors.
public struct DetectionSettings: Sendable, Hashable, Codable {
    public var bruteForce = BruteForceSettings()
    public var storm = StormSettings()
    public var scanning = ScanSettings()
    public var tokenStorm = TokenStormSettings()
    public var containment = ContainmentRules()
    /// Commands to `security` devices out of the ordinary (held for an owner's approval).
    public var commands = CommandSettings()
    /// Per zone name: the device detectors' thresholds there (e.g. a stricter `security`).
    public var zones: [String: ZoneSettings] = [:]
    /// The share of its certificate's lifetime after which a device that has not renewed is
    /// reported (renewal opens at two thirds; devices renew early in the window).
    public var stuckAfter: Double = 0.9
    /// After how long a suspect's risk score halves.
    public var riskHalfLife: TimeInterval = 6 * 3600
    /// How long an acknowledged alert is kept after its acknowledgement (an open one is kept until
    /// acknowledged). At least long enough for its weight in a risk score to have decayed away.
    public var alertRetention: TimeInterval = 90 * 86_400

    public init() {}

    public func storm(in zone: String) -> StormSettings { zones[zone]?.storm ?? storm }
    public func scanning(in zone: String?) -> ScanSettings { zone.flatMap { zones[$0]?.scanning } ?? scanning }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DetectionSettings()
        bruteForce = try c.value(.bruteForce, or: d.bruteForce)
        storm = try c.value(.storm, or: d.storm)
        scanning = try c.value(.scanning, or: d.scanning)
        tokenStorm = try c.value(.tokenStorm, or: d.tokenStorm)
        containment = try c.value(.containment, or: d.containment)
        commands = try c.value(.commands, or: d.commands)
        zones = try c.value(.zones, or: d.zones)
        riskHalfLife = try c.value(.riskHalfLife, or: d.riskHalfLife)
        stuckAfter = try c.value(.stuckAfter, or: d.stuckAfter)
        alertRetention = max(try c.value(.alertRetention, or: d.alertRetention), riskHalfLife * 7)
    }
}

/// Guessing credentials: refusals counted over `window` seconds.
public struct BruteForceSettings: Sendable, Hashable, Codable {
    /// Refusals from one source address (of any kind) that block it.
    public var perSource = 10
    /// Refusals for one target (an account, a client, a pairing offer) from any number of
    /// sources that raise an alert (the source is unknown, so nothing is blocked).
    public var perTarget = 20
    public var window: TimeInterval = 300
    /// How long the first block of a source lasts; each further block of it doubles, up to `maximumBlock`.
    public var block: TimeInterval = 300
    public var maximumBlock: TimeInterval = 24 * 3600
    /// Sources alerted on but never blocked: the hub's own loopback addresses, where a reverse
    /// proxy or a tool on the same box connects from (blocking them would lock everyone out).
    public var exempt: [String] = ["127.0.0.1", "::1"]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        perSource = try c.value(.perSource, or: d.perSource)
        perTarget = try c.value(.perTarget, or: d.perTarget)
        window = try c.value(.window, or: d.window)
        block = try c.value(.block, or: d.block)
        maximumBlock = try c.value(.maximumBlock, or: d.maximumBlock)
        exempt = try c.value(.exempt, or: d.exempt)
    }
}

/// A device's message rate against its own learned baseline.
public struct StormSettings: Sendable, Hashable, Codable {
    /// A storm is a rate above `factor` × the baseline …
    public var factor: Double = 10
    /// … and above this many messages per second (a new device's baseline is 0).
    public var floor: Double = 20
    /// Messages beyond that rate tolerated at once (draining at that rate), so that a reconnect
    /// flushing its queue is not a storm.
    public var burst: Double = 200
    /// The baseline is an exponentially weighted mean of the rate whose weight halves over this.
    public var baselineHalfLife: TimeInterval = 600
    /// A storm still offering above its limit this long after the rate limit is quarantined.
    public var quarantineAfter: TimeInterval = 10
    /// The rate limit is lifted once the device stays under it this long.
    public var calmAfter: TimeInterval = 30

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        factor = try c.value(.factor, or: d.factor)
        floor = try c.value(.floor, or: d.floor)
        burst = try c.value(.burst, or: d.burst)
        baselineHalfLife = try c.value(.baselineHalfLife, or: d.baselineHalfLife)
        quarantineAfter = try c.value(.quarantineAfter, or: d.quarantineAfter)
        calmAfter = try c.value(.calmAfter, or: d.calmAfter)
    }

    /// The rate above which a device with `baseline` storms, and to which it is then limited.
    public func threshold(baseline: Double) -> Double { max(floor, factor * baseline) }
}

/// Denied publishes and subscriptions of one client over `window` seconds.
public struct ScanSettings: Sendable, Hashable, Codable {
    public var denials = 20
    public var window: TimeInterval = 60

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        denials = try c.value(.denials, or: d.denials)
        window = try c.value(.window, or: d.window)
    }
}

/// Access tokens minted per OAuth client, counted per minute against the client's learned rate.
public struct TokenStormSettings: Sendable, Hashable, Codable {
    /// A storm is a minute with more tokens than `factor` × the client's usual per minute …
    public var factor: Double = 10
    /// … and more than this many (an app refreshes every few minutes; a new one has no baseline).
    public var floor: Double = 30
    /// The usual rate's weight halves over this many seconds.
    public var baselineHalfLife: TimeInterval = 3600

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        factor = try c.value(.factor, or: d.factor)
        floor = try c.value(.floor, or: d.floor)
        baselineHalfLife = try c.value(.baselineHalfLife, or: d.baselineHalfLife)
    }
}

/// A zone's own thresholds for the device detectors; what it leaves out is the hub's.
public struct ZoneSettings: Sendable, Hashable, Codable {
    public var storm: StormSettings?
    public var scanning: ScanSettings?

    public init(storm: StormSettings? = nil, scanning: ScanSettings? = nil) {
        self.storm = storm
        self.scanning = scanning
    }
}

/// Which containment the hub applies on its own. Every finding raises an alert either way.
public struct ContainmentRules: Sendable, Hashable, Codable {
    /// A storm is rate-limited at once …
    public var rateLimitStorms = true
    /// … and quarantined when it outlasts the limit.
    public var quarantineStorms = true
    /// A credential in two places: both sessions ended, the credential revoked.
    public var revokeDuplicatedCredentials = true
    /// A guessing source is refused at connection for the back-off.
    public var blockBruteForce = true

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        rateLimitStorms = try c.value(.rateLimitStorms, or: d.rateLimitStorms)
        quarantineStorms = try c.value(.quarantineStorms, or: d.quarantineStorms)
        revokeDuplicatedCredentials = try c.value(.revokeDuplicatedCredentials, or: d.revokeDuplicatedCredentials)
        blockBruteForce = try c.value(.blockBruteForce, or: d.blockBruteForce)
    }
}

extension KeyedDecodingContainer {
    /// The member's value, or `fallback` when the document leaves it out (settings files name
    /// only what they change).
    func value<Value: Decodable>(_ key: Key, or fallback: Value) throws -> Value {
        try decodeIfPresent(Value.self, forKey: key) ?? fallback
    }
}
