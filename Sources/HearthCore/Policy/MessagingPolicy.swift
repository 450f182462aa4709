import struct Foundation.Date
/// What a client of the hub's MQTT broker may publish and subscribe to, inside its household
/// (topics are relative to the household's mount point). ``PolicyEngine`` calls these after its
/// device checks (revoked, expired, decommissioned, pending, quarantined, out of posture).
///
/// Devices:
/// - publish anything under `devices/<own id>/` except `cmd/…` (state, telemetry, availability);
/// - subscribe to their own `devices/<own id>/cmd/…`;
/// - in a zone that lets peers command each other (``peerCommandZones``, `lighting`), publish
///   commands to other active devices of the same zone.
///
/// Apps (OAuth access tokens), by scope:
/// - `devices:read`: subscribe to `devices/+/state` and `devices/+/availability` (or narrower);
/// - `telemetry:read:<flow>`: subscribe to `devices/+/telemetry/<flow>`;
/// - `devices:control:<zone>`: publish commands to active devices of that zone;
/// - `alerts:read` (owners only): subscribe to ``alertTopic``, where the hub publishes each alert
///   of the household (docs/detection.md). Only the hub publishes there.
/// - `discovery:read` (an integration such as Home Assistant): subscribe to `homeassistant/#`,
///   where only the hub publishes discovery configurations (docs/home-assistant.md), and publish
///   the integration's own birth and will on ``integrationStatusTopic``.
///
/// Nothing may publish or subscribe to topics starting with `$` (the broker keeps `$SYS` to itself).
public enum MessagingPolicy {
    /// Zones whose devices may command one another (a wall switch and the lamps of its room).
    public static let peerCommandZones: Set<Zone> = [.lighting]

    /// Where the hub publishes the household's alerts.
    public static let alertTopic = "hub/alerts"

    /// Where the hub publishes Home Assistant discovery configurations, and its own topics for them.
    public static let discoveryPrefix = "homeassistant"

    /// Home Assistant's birth and will topic: the one topic under the prefix a client publishes on.
    public static let integrationStatusTopic = "homeassistant/status"

    /// The scopes that let an app use the broker at all.
    public static func isMessagingScope(_ scope: String) -> Bool {
        scope == "devices:read" || scope == "alerts:read" || scope == "discovery:read" || scope.hasPrefix("telemetry:read:") || scope.hasPrefix("devices:control:")
    }

    static func devicePublish(_ device: DeviceFacts, _ topic: MessagingTopic, target: DeviceFacts?) -> PolicyDecision {
        if let reserved = refuseReserved(topic) { return reserved }
        if let commanded = topic.commandTarget {
            if commanded == device.id.rawValue {
                return .deny("not-permitted", "a device receives commands on its cmd topics; it does not send itself commands")
            }
            guard let target, target.id.rawValue == commanded, target.household == device.household else {
                return .deny("unknown-device", "there is no device \(commanded) in this household")
            }
            guard peerCommandZones.contains(device.zone), target.zone == device.zone else {
                return .deny("zone-not-permitted", "devices in zone \(device.zone) may not command devices in zone \(target.zone)")
            }
            guard target.state == .active else {
                return .deny("device-not-active", "device \(target.id) is \(target.state.rawValue)")
            }
            return .allow("a peer of the same zone")
        }
        guard let about = topic.device, about == device.id.rawValue else {
            return .deny("not-permitted", "a device publishes only under devices/\(device.id)/")
        }
        return .allow("a device publishing about itself")
    }

    static func deviceSubscribe(_ device: DeviceFacts, _ filter: MessagingTopic) -> PolicyDecision {
        if let reserved = refuseReserved(filter) { return reserved }
        guard filter.isCovered(by: MessagingTopic("devices/\(device.id)/cmd/#")) else {
            return .deny("not-permitted", "a device subscribes only to its own commands, devices/\(device.id)/cmd/#")
        }
        return .allow("a device receiving its own commands")
    }

    static func appConnect(_ app: AppFacts) -> PolicyDecision {
        guard app.scopes.contains(where: isMessagingScope) else {
            return .deny("insufficient-scope", "the token carries no messaging scope (devices:read, telemetry:read:<flow>, devices:control:<zone>, alerts:read, discovery:read)")
        }
        return .allow("an app with a messaging scope")
    }

    static func appPublish(_ app: AppFacts, _ topic: MessagingTopic, target: DeviceFacts?, _ context: PolicyContext) -> PolicyDecision {
        if let reserved = refuseReserved(topic) { return reserved }
        if topic.description == integrationStatusTopic {
            guard app.scopes.contains("discovery:read") else {
                return .deny("insufficient-scope", "\(integrationStatusTopic) is an integration's birth and will; it needs discovery:read")
            }
            return .allow("an integration announcing itself")
        }
        guard let commanded = topic.commandTarget else {
            return .deny("not-permitted", "apps publish only commands, to devices/<id>/cmd/<name>")
        }
        guard let target, target.id.rawValue == commanded, target.household == app.household else {
            return .deny("unknown-device", "there is no device \(commanded) in this household")
        }
        guard app.reaches(target) else {
            return .deny("device-not-granted", "device \(target.id) is not among the devices this person may use")
        }
        guard app.scopes.contains(scope(commanding: target)) else {
            return .deny("insufficient-scope", "commanding device \(target.id) needs the scope devices:control:\(target.zone)")
        }
        guard target.state == .active else {
            return .deny("device-not-active", "device \(target.id) is \(target.state.rawValue)")
        }
        let requirements = ZoneRequirements.of(target.zone)
        if requirements.proofOfPossession, !app.possession.isProven {
            return .deny(
                "proof-of-possession-required",
                "commands to the \(target.zone) zone need a proof of possession: connect with a DPoP-bound token and a DPoP proof (MQTT 5 authentication method DPoP), or with the certificate the token is bound to")
        }
        if requirements.holdsUnusualCommands, let command = context.command {
            if let maximum = requirements.maximumRisk, command.risk >= maximum {
                return .deny(
                    "risk-too-high",
                    "this person's risk score is \(Int(command.risk)) (alerts about them are open): an owner must acknowledge those alerts first")
            }
            if !command.familiar || !command.usualHour {
                if let at = app.secondFactorAt, at <= context.now, context.now.timeIntervalSince(at) <= requirements.stepUpWindow {
                    return .allow("an unusual command, with a second factor proved \(Int(context.now.timeIntervalSince(at))) s ago")
                }
                let why = !command.familiar
                    ? "this app's person never commanded device \(target.id) before"
                    : "the household does not command \(target.zone) devices at this hour"
                return .hold("step-up-required", "held for an owner's approval: \(why)")
            }
        }
        return .allow("an app with devices:control:\(target.zone)")
    }

    static func appSubscribe(_ app: AppFacts, _ filter: MessagingTopic) -> PolicyDecision {
        if let reserved = refuseReserved(filter) { return reserved }
        if app.scopes.contains("alerts:read"), filter.isCovered(by: MessagingTopic(alertTopic)) {
            return .allow("an owner's app reading the household's alerts")
        }
        if app.scopes.contains("discovery:read"), filter.isCovered(by: discoveryFilter) {
            // The configurations describe every device of the household.
            guard app.reachableDevices == nil else {
                return .deny("device-not-granted", "discovery describes every device of the household; this person may use only some")
            }
            return .allow("an integration reading the hub's discovery configurations")
        }
        if let reachable = app.reachableDevices {
            guard let device = filter.device, !device.contains("+"), !device.contains("#"),
                  let id = DeviceID(String(device)), reachable.contains(id)
            else {
                return .deny(
                    "device-not-granted",
                    "this person may use only some devices: subscribe to devices/<id>/… for each of them, without wildcards for the device")
            }
        }
        guard readGrants(app).contains(where: { filter.isCovered(by: $0.topic) }) else {
            return .deny(
                "insufficient-scope",
                "no scope of this token covers \(filter) (devices:read gives devices/+/state and devices/+/availability; telemetry:read:<flow> gives devices/+/telemetry/<flow>)")
        }
        return .allow("an app reading what its scopes cover")
    }

    /// What the app's scopes let it read: each topic with the scope that gives it.
    private static func readGrants(_ app: AppFacts) -> [(scope: String, topic: MessagingTopic)] {
        var grants: [(scope: String, topic: MessagingTopic)] = []
        if app.scopes.contains("devices:read") {
            grants += [("devices:read", MessagingTopic("devices/+/state")), ("devices:read", MessagingTopic("devices/+/availability"))]
        }
        for scope in app.scopes.sorted() where scope.hasPrefix("telemetry:read:") {
            grants.append((scope, MessagingTopic("devices/+/telemetry/" + scope.dropFirst("telemetry:read:".count))))
        }
        return grants
    }

    /// The scope an allowed subscription of the app rests on (`hearth checkup` names grants
    /// broader than what their app uses).
    public static func scope(subscribing filter: MessagingTopic, app: AppFacts) -> String? {
        if app.scopes.contains("alerts:read"), filter.isCovered(by: MessagingTopic(alertTopic)) { return "alerts:read" }
        if app.scopes.contains("discovery:read"), filter.isCovered(by: discoveryFilter) { return "discovery:read" }
        return readGrants(app).first { filter.isCovered(by: $0.topic) }?.scope
    }

    private static let discoveryFilter = MessagingTopic(discoveryPrefix + "/#")

    /// The scope an allowed command to `target` rests on.
    public static func scope(commanding target: DeviceFacts) -> String { "devices:control:\(target.zone)" }

    private static func refuseReserved(_ topic: MessagingTopic) -> PolicyDecision? {
        guard topic.levels.first?.hasPrefix("$") == true else { return nil }
        return .deny("reserved-topic", "topics starting with $ are the broker's own")
    }
}

/// An app as the policy sees it: the person it acts for, in the household its token is for, when
/// that person's access is open, which devices it reaches, and the scopes of its access token.
public struct AppFacts: Sendable, Hashable {
    public let person: PersonID
    public let household: HouseholdID
    public let scopes: Set<String>
    public let access: DeviceAccess
    /// The devices the person's access reaches, resolved when the app connected (zones name no
    /// device in a topic); nil when it reaches every device of the household.
    public let reachableDevices: Set<DeviceID>?
    public let possession: Possession
    /// When the person last proved a second factor for this token (`auth_time` with `acr` mfa).
    public let secondFactorAt: Date?

    public init(
        person: PersonID, household: HouseholdID, scopes: Set<String>, access: DeviceAccess = .everything,
        reachableDevices: Set<DeviceID>? = nil, possession: Possession = .bearer, secondFactorAt: Date? = nil
    ) {
        self.person = person
        self.household = household
        self.scopes = scopes
        self.access = access
        self.reachableDevices = reachableDevices
        self.possession = possession
        self.secondFactorAt = secondFactorAt
    }

    func reaches(_ device: DeviceFacts) -> Bool {
        reachableDevices.map { $0.contains(device.id) } ?? true
    }
}
