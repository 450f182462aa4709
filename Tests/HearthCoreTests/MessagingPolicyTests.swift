import Foundation
import HearthCore
import Testing

/// What MQTT clients may publish and subscribe to, inside their household.
@Suite struct MessagingPolicyTests {
    static let household = HouseholdID()
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func device(_ zone: Zone, _ state: DeviceState = .active, household: HouseholdID = household) -> DeviceFacts {
        DeviceFacts(id: DeviceID(), household: household, zone: zone, state: state)
    }

    static func asDevice(_ device: DeviceFacts) -> PolicySubject {
        .device(device, presenting: CertificateFacts(
            serial: "01", notBefore: now.addingTimeInterval(-60), notAfter: now.addingTimeInterval(3600), revoked: false,
            rotationDue: false, renewed: false))
    }

    static func app(_ scopes: Set<String>, possession: Possession = .bearer) -> PolicySubject {
        .app(AppFacts(person: PersonID(), household: household, scopes: scopes, possession: possession))
    }

    static func publish(_ subject: PolicySubject, _ topic: String, commanding target: DeviceFacts? = nil) -> String {
        PolicyEngine.decide(subject, .publishMessage, .topic(MessagingTopic(topic), commanding: target), PolicyContext(now: now)).code
    }

    static func subscribe(_ subject: PolicySubject, _ filter: String) -> String {
        PolicyEngine.decide(subject, .subscribeMessages, .topicFilter(MessagingTopic(filter)), PolicyContext(now: now)).code
    }

    @Test func aDevicePublishesAboutItselfAndHearsOnlyItsOwnCommands() {
        let lamp = Self.device(.default)
        let me = Self.asDevice(lamp)
        for topic in ["state", "availability", "telemetry/energy", "anything/else"] {
            #expect(Self.publish(me, "devices/\(lamp.id)/\(topic)") == "allowed", "\(topic)")
        }
        #expect(Self.publish(me, "devices/\(lamp.id)/cmd/power") == "not-permitted")
        #expect(Self.publish(me, "devices/\(DeviceID())/state") == "not-permitted")
        #expect(Self.publish(me, "devices") == "not-permitted")
        #expect(Self.publish(me, "$SYS/broker/uptime") == "reserved-topic")
        for filter in ["devices/\(lamp.id)/cmd/#", "devices/\(lamp.id)/cmd/+", "devices/\(lamp.id)/cmd/power", "devices/\(lamp.id)/cmd"] {
            #expect(Self.subscribe(me, filter) == "allowed", "\(filter)")
        }
        for filter in ["#", "+/#", "devices/+/cmd/#", "devices/\(lamp.id)/#", "devices/\(lamp.id)/state", "$SYS/#", "devices/\(DeviceID())/cmd/#"] {
            #expect(Self.subscribe(me, filter) != "allowed", "\(filter)")
        }
    }

    @Test func peersOfALightingZoneCommandEachOtherAndNobodyElse() {
        let wallSwitch = Self.device(.lighting)
        let lamp = Self.device(.lighting)
        let lock = Self.device(.security)
        #expect(Self.publish(Self.asDevice(wallSwitch), "devices/\(lamp.id)/cmd/power", commanding: lamp) == "allowed")
        #expect(Self.publish(Self.asDevice(wallSwitch), "devices/\(lock.id)/cmd/open", commanding: lock) == "zone-not-permitted")
        #expect(Self.publish(Self.asDevice(lock), "devices/\(wallSwitch.id)/cmd/power", commanding: wallSwitch) == "zone-not-permitted")
        #expect(Self.publish(Self.asDevice(wallSwitch), "devices/\(lamp.id)/cmd/power", commanding: nil) == "unknown-device")
        let quarantined = Self.device(.lighting, .quarantined)
        #expect(Self.publish(Self.asDevice(wallSwitch), "devices/\(quarantined.id)/cmd/power", commanding: quarantined) == "device-not-active")
        let elsewhere = Self.device(.lighting, household: HouseholdID())
        #expect(Self.publish(Self.asDevice(wallSwitch), "devices/\(elsewhere.id)/cmd/power", commanding: elsewhere) == "unknown-device")
    }

    @Test func appsReadAndCommandByScope() {
        let lamp = Self.device(.lighting)
        let lock = Self.device(.security)
        let reader = Self.app(["devices:read"])
        #expect(Self.subscribe(reader, "devices/+/state") == "allowed")
        #expect(Self.subscribe(reader, "devices/\(lamp.id)/availability") == "allowed")
        #expect(Self.subscribe(reader, "devices/+/telemetry/energy") == "insufficient-scope")
        #expect(Self.subscribe(reader, "devices/#") == "insufficient-scope")
        #expect(Self.subscribe(reader, "#") == "insufficient-scope")
        #expect(Self.publish(reader, "devices/\(lamp.id)/cmd/power", commanding: lamp) == "insufficient-scope")
        #expect(Self.subscribe(Self.app(["telemetry:read:energy"]), "devices/+/telemetry/energy") == "allowed")
        #expect(Self.subscribe(Self.app(["telemetry:read:energy"]), "devices/+/telemetry/+") == "insufficient-scope")

        let controller = Self.app(["devices:control:lighting"])
        #expect(Self.publish(controller, "devices/\(lamp.id)/cmd/power", commanding: lamp) == "allowed")
        #expect(Self.publish(controller, "devices/\(lock.id)/cmd/open", commanding: lock) == "insufficient-scope")
        #expect(Self.publish(controller, "devices/\(lamp.id)/state", commanding: nil) == "not-permitted")

        let alerts = Self.app(["alerts:read"])
        #expect(Self.subscribe(alerts, "hub/alerts") == "allowed")
        #expect(Self.subscribe(alerts, "hub/#") == "insufficient-scope")
        #expect(Self.subscribe(alerts, "devices/+/state") == "insufficient-scope")
        #expect(Self.subscribe(reader, "hub/alerts") == "insufficient-scope")
        #expect(Self.publish(alerts, "hub/alerts") == "not-permitted", "only the hub publishes alerts")
        #expect(PolicyEngine.decide(alerts, .connectMessaging, .broker, PolicyContext(now: Self.now)).allowed)

        let noMessaging = PolicyEngine.decide(Self.app(["audit:read"]), .connectMessaging, .broker, PolicyContext(now: Self.now))
        #expect(noMessaging.code == "insufficient-scope")
        #expect(PolicyEngine.decide(reader, .connectMessaging, .broker, PolicyContext(now: Self.now)).allowed)
    }

    /// An integration (Home Assistant) with `discovery:read` reads the hub's discovery
    /// configurations and announces itself on its birth-and-will topic; nobody publishes a
    /// configuration, and nothing else under the prefix is the integration's to write.
    @Test func anIntegrationReadsDiscoveryAndAnnouncesItself() {
        let integration = Self.app(["discovery:read", "devices:read"], possession: .certificate(serial: "0a"))
        let lamp = Self.device(.lighting)
        for filter in ["homeassistant/#", "homeassistant/light/+/+/config", "homeassistant/status"] {
            #expect(Self.subscribe(integration, filter) == "allowed", "\(filter)")
        }
        #expect(Self.subscribe(integration, "#") == "insufficient-scope")
        #expect(Self.publish(integration, "homeassistant/status") == "allowed")
        #expect(Self.publish(integration, "homeassistant/light/\(lamp.id)/light/config") == "not-permitted")
        #expect(Self.publish(integration, "homeassistant/status/extra") == "not-permitted")
        #expect(PolicyEngine.decide(integration, .connectMessaging, .broker, PolicyContext(now: Self.now)).allowed)
        #expect(PolicyEngine.decide(Self.app(["discovery:read"]), .connectMessaging, .broker, PolicyContext(now: Self.now)).allowed)
        // Without the scope: neither the configurations nor the status topic.
        let reader = Self.app(["devices:read"])
        #expect(Self.subscribe(reader, "homeassistant/#") == "insufficient-scope")
        #expect(Self.publish(reader, "homeassistant/status") == "insufficient-scope")
        // Discovery describes every device: not for a person who may use only some.
        let limited = PolicySubject.app(AppFacts(
            person: PersonID(), household: Self.household, scopes: ["discovery:read"], reachableDevices: [lamp.id]))
        #expect(Self.subscribe(limited, "homeassistant/#") == "device-not-granted")
        // A device never writes there.
        #expect(Self.publish(Self.asDevice(lamp), "homeassistant/light/\(lamp.id)/light/config") == "not-permitted")
        #expect(Self.publish(Self.asDevice(lamp), "homeassistant/status") == "not-permitted")
        #expect(MessagingPolicy.scope(subscribing: MessagingTopic("homeassistant/#"), app: AppFacts(
            person: PersonID(), household: Self.household, scopes: ["discovery:read"])) == "discovery:read")
    }

    /// A `security` device takes commands only from an app that proved possession of the key its
    /// token is bound to; other zones take a bearer token.
    @Test(arguments: [
        (Zone.security, Possession.bearer, "proof-of-possession-required"),
        (.security, .dpop(jkt: "k"), "allowed"),
        (.security, .certificate(serial: "01"), "allowed"),
        (.lighting, .bearer, "allowed"),
        (.lighting, .dpop(jkt: "k"), "allowed"),
        (.climate, .bearer, "allowed"),
    ])
    func securityCommandsNeedProofOfPossession(zone: Zone, possession: Possession, expected: String) {
        let target = Self.device(zone)
        let app = Self.app(["devices:control:\(zone)"], possession: possession)
        #expect(Self.publish(app, "devices/\(target.id)/cmd/open", commanding: target) == expected)
        // The requirement comes after the scope: without it, the answer names the scope.
        #expect(Self.publish(Self.app(["devices:read"], possession: possession), "devices/\(target.id)/cmd/open", commanding: target) == "insufficient-scope")
    }

    /// Context for a proven app's command to a lock: unfamiliar or at an unusual hour → held (unless a
    /// second factor was proved within ten minutes); a high risk score → refused; no context → allowed.
    @Test(arguments: [
        (CommandContext?.none, TimeInterval?.none, "allowed"),
        (CommandContext(familiar: true, usualHour: true, risk: 0), nil, "allowed"),
        (CommandContext(familiar: false, usualHour: true, risk: 0), nil, "step-up-required"),
        (CommandContext(familiar: true, usualHour: false, risk: 0), nil, "step-up-required"),
        (CommandContext(familiar: false, usualHour: false, risk: 0), 120, "allowed"),
        (CommandContext(familiar: false, usualHour: true, risk: 0), 1200, "step-up-required"),
        (CommandContext(familiar: false, usualHour: true, risk: 0), -60, "step-up-required"),
        (CommandContext(familiar: true, usualHour: true, risk: 70), 60, "risk-too-high"),
        (CommandContext(familiar: true, usualHour: true, risk: 69), nil, "allowed"),
    ])
    func contextWeighsOnCommandsToSecurityDevices(command: CommandContext?, secondFactorAgo: TimeInterval?, expected: String) {
        let lock = Self.device(.security)
        let lamp = Self.device(.lighting)
        let app = PolicySubject.app(AppFacts(
            person: PersonID(), household: Self.household, scopes: ["devices:control:security", "devices:control:lighting"],
            possession: .dpop(jkt: "k"), secondFactorAt: secondFactorAgo.map { Self.now.addingTimeInterval(-$0) }))
        let context = PolicyContext(now: Self.now, command: command)
        let decision = PolicyEngine.decide(app, .publishMessage, .topic(MessagingTopic("devices/\(lock.id)/cmd/open"), commanding: lock), context)
        #expect(decision.code == expected, "\(decision.reason)")
        #expect(decision.held == (expected == "step-up-required"))
        // Other zones take commands whatever the context.
        let toLamp = PolicyEngine.decide(app, .publishMessage, .topic(MessagingTopic("devices/\(lamp.id)/cmd/power"), commanding: lamp), context)
        #expect(toLamp.code == "allowed")
    }

    @Test func filterCoverage() {
        func covered(_ filter: String, _ pattern: String) -> Bool { MessagingTopic(filter).isCovered(by: MessagingTopic(pattern)) }
        #expect(covered("a/b", "a/b"))
        #expect(covered("a/b", "a/+"))
        #expect(covered("a/+", "a/+"))
        #expect(!covered("a/+", "a/b"))
        #expect(covered("a/b/c", "a/#"))
        #expect(covered("a", "a/#"))
        #expect(covered("a/#", "a/#"))
        #expect(!covered("a/#", "a/+"))
        #expect(!covered("#", "a/#"))
        #expect(!covered("a/b/c", "a/+"))
        #expect(!covered("a", "a/+"))
    }
}
