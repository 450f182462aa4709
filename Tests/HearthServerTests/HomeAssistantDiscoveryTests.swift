import Foundation
import HearthCore
import HearthHub
import HearthPrivacy
import Testing

/// What Home Assistant is told about a household (``HomeAssistantDiscovery``), worked out in
/// memory: which entities each device gets for which scopes, what a quarantined device looks like,
/// and that a device no integration may see gets nothing.
@Suite struct HomeAssistantDiscoveryTests {
    static let household = HouseholdID()
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func device(_ name: String, _ zone: Zone, _ state: DeviceState = .active) throws -> Device {
        try Device(householdID: household, zone: zone, name: name, state: state, createdAt: now)
    }

    static func flow(_ json: String) throws -> FlowDeclaration {
        let manifest = try FlowManifest.parse(Array(json.utf8))
        return try #require(manifest.flows.first)
    }

    static func decoded(_ payload: [UInt8]?) throws -> [String: Any] {
        let bytes = try #require(payload)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func eachZoneGetsItsEntityAndEachKeptFieldASensor() throws {
        let lamp = try Self.device("Lamp", .lighting)
        let lock = try Self.device("Door", .security)
        let plug = try Self.device("Plug", .default)
        let energy = try Self.flow(#"""
            {"flows": [{"name": "energy", "class": "functional", "purpose": "power in the app",
              "schema": {"type": "object", "properties": {"watts": {"type": "number"}, "serial": {"type": "string"},
                "raw": {"type": "object"}}}, "minimize": [{"drop": ["serial"]}], "retention": "1h", "recipients": {"apps": true}}]}
            """#)
        let views = [
            HomeAssistantDiscovery.DeviceView(device: lamp, model: nil, flows: []),
            HomeAssistantDiscovery.DeviceView(device: lock, model: "acme-lock", flows: []),
            HomeAssistantDiscovery.DeviceView(device: plug, model: nil, flows: [energy]),
        ]
        let scopes: Set<String> = [
            "discovery:read", "devices:read", "devices:control:lighting", "devices:control:security", "devices:control:default",
            "telemetry:read:energy",
        ]
        let messages = HomeAssistantDiscovery.messages(views, scopes: scopes)
        let light = try Self.decoded(messages["homeassistant/light/\(lamp.id)/light/config"])
        #expect(light["command_topic"] as? String == "devices/\(lamp.id)/cmd/power")
        #expect(light["state_value_template"] as? String == "{{ value_json.power }}")
        let door = try Self.decoded(messages["homeassistant/lock/\(lock.id)/lock/config"])
        #expect(door["command_topic"] as? String == "devices/\(lock.id)/cmd/lock")
        #expect((door["device"] as? [String: Any])?["model"] as? String == "acme-lock")
        let watts = try Self.decoded(messages["homeassistant/sensor/\(plug.id)/energy_watts/config"])
        #expect(watts["value_template"] as? String == "{{ value_json.watts }}")
        #expect(messages["homeassistant/sensor/\(plug.id)/energy_serial/config"] == nil, "dropped by minimization")
        #expect(messages["homeassistant/sensor/\(plug.id)/energy_raw/config"] == nil, "not a scalar")
        #expect(messages["homeassistant/switch/\(plug.id)/switch/config"] != nil)
        for device in [lamp, lock, plug] {
            #expect(messages[HomeAssistantDiscovery.availabilityTopic(device.id)] == Array("online".utf8))
        }
        // Availability: the hub's word and, with devices:read, the device's own will.
        let availability = light["availability"] as? [[String: String]]
        #expect(availability?.map { $0["topic"] } == [HomeAssistantDiscovery.availabilityTopic(lamp.id), "devices/\(lamp.id)/availability"])
        #expect(light["availability_mode"] as? String == "all")
    }

    @Test func scopesDecideWhatIsShownAndQuarantineIsUnavailable() throws {
        let lamp = try Self.device("Lamp", .lighting, .quarantined)
        let pending = try Self.device("New", .lighting, .pending)
        let gone = try Self.device("Old", .lighting, .decommissioned)
        let views = [lamp, pending, gone].map { HomeAssistantDiscovery.DeviceView(device: $0, model: nil, flows: []) }
        // Without discovery:read, nothing at all.
        #expect(HomeAssistantDiscovery.messages(views, scopes: ["devices:control:lighting"]).isEmpty)
        let messages = HomeAssistantDiscovery.messages(views, scopes: ["discovery:read", "devices:control:lighting"])
        #expect(Set(messages.keys) == [
            "homeassistant/light/\(lamp.id)/light/config", HomeAssistantDiscovery.availabilityTopic(lamp.id),
        ])
        #expect(messages[HomeAssistantDiscovery.availabilityTopic(lamp.id)] == Array("offline".utf8))
        // Without devices:read: no state topic (optimistic), and only the hub's availability.
        let light = try Self.decoded(messages["homeassistant/light/\(lamp.id)/light/config"])
        #expect(light["state_topic"] == nil && light["optimistic"] as? Bool == true)
        #expect((light["availability"] as? [[String: String]])?.count == 1)
        // A zone the grant cannot command, and no readable flow: the device is not shown.
        #expect(HomeAssistantDiscovery.messages(views, scopes: ["discovery:read", "devices:read"]).isEmpty)
    }
}
