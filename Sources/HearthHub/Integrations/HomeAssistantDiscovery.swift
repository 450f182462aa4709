import Foundation
import HearthCore
import HearthPrivacy

/// Home Assistant's MQTT discovery for one household, worked out from what the hub knows (pure:
/// no I/O). Each device an integration may see gets retained configurations
/// (`homeassistant/<component>/<device id>/<object>/config`): a `light`, `lock` or `switch` for
/// its commands when the integrations may command its zone, and a `sensor` per field of each
/// telemetry flow they may read and its household's apps may receive (consent included). Every
/// entity is available when both the device's own availability (its will, retained `online`)
/// and the hub's word for it (``availabilityTopic(_:)``: `offline` while it is quarantined) say so.
package enum HomeAssistantDiscovery {
    /// A device as discovery needs it.
    package struct DeviceView: Sendable {
        package let device: Device
        package let model: String?
        /// The flows the household's apps may receive now (declared for apps, consented where needed).
        package let flows: [FlowDeclaration]

        package init(device: Device, model: String?, flows: [FlowDeclaration]) {
            self.device = device
            self.model = model
            self.flows = flows
        }
    }

    package static var prefix: String { MessagingPolicy.discoveryPrefix + "/" }

    /// Where the hub says whether a device may be used: `online`, or `offline` while it is
    /// quarantined. Under the prefix, where only the hub publishes; not a config topic, so
    /// Home Assistant's discovery passes it by.
    package static func availabilityTopic(_ device: DeviceID) -> String { prefix + "hearth/\(device)/availability" }

    /// Every retained message the hub keeps under the prefix for the household: topic → payload.
    /// `scopes` are what the household's integrations hold (the union of their grants).
    package static func messages(_ devices: [DeviceView], scopes: Set<String>) -> [String: [UInt8]] {
        guard scopes.contains("discovery:read") else { return [:] }
        var messages: [String: [UInt8]] = [:]
        for view in devices {
            let device = view.device
            guard device.state == .active || device.state == .quarantined else { continue }
            let entities = self.entities(view, scopes: scopes)
            guard !entities.isEmpty else { continue }
            messages[availabilityTopic(device.id)] = Array((device.state == .active ? "online" : "offline").utf8)
            for entity in entities {
                var config = entity.config
                config["unique_id"] = "hearth_\(device.id)_\(entity.object)"
                config["object_id"] = "\(device.name)_\(entity.object)"
                config["qos"] = 1
                config["device"] = [
                    "identifiers": ["hearth_\(device.id)"], "name": device.name, "manufacturer": "Hearth",
                    "model": view.model ?? device.zone.name, "suggested_area": device.zone.name,
                ] as [String: Any]
                var availability: [[String: String]] = [["topic": availabilityTopic(device.id)]]
                if scopes.contains("devices:read") { availability.append(["topic": "devices/\(device.id)/availability"]) }
                config["availability"] = availability
                config["availability_mode"] = "all"
                let topic = prefix + "\(entity.component)/\(device.id)/\(entity.object)/config"
                messages[topic] = (try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])).map { Array($0) } ?? []
            }
        }
        return messages
    }

    struct Entity {
        let component: String
        let object: String
        var config: [String: Any]
    }

    static func entities(_ view: DeviceView, scopes: Set<String>) -> [Entity] {
        let device = view.device
        let stateTopic = scopes.contains("devices:read") ? "devices/\(device.id)/state" : nil
        var entities: [Entity] = []
        if scopes.contains(MessagingPolicy.scope(commanding: DeviceFacts(device))) {
            entities.append(command(device, stateTopic: stateTopic))
        }
        for flow in view.flows where scopes.contains("telemetry:read:\(flow.name)") {
            let topic = "devices/\(device.id)/telemetry/\(flow.name)"
            let fields = Self.fields(of: flow)
            if fields.isEmpty {
                entities.append(Entity(component: "sensor", object: flow.name, config: ["name": flow.name, "state_topic": topic]))
            }
            for field in fields {
                entities.append(Entity(
                    component: "sensor", object: "\(flow.name)_\(field)",
                    config: ["name": "\(flow.name) \(field)", "state_topic": topic, "value_template": "{{ value_json.\(field) }}"]))
            }
        }
        return entities
    }

    /// The entity for a device's commands: a light in `lighting`, a lock in `security`, a
    /// switch elsewhere. State, when the integrations may read it, is the device's
    /// `devices/<id>/state` JSON (`{"power": "ON"}`, `{"lock": "LOCKED"}`).
    static func command(_ device: Device, stateTopic: String?) -> Entity {
        var entity: Entity
        switch device.zone {
        case .security:
            entity = Entity(component: "lock", object: "lock", config: [
                "command_topic": "devices/\(device.id)/cmd/lock", "payload_lock": "LOCK", "payload_unlock": "UNLOCK",
                "state_locked": "LOCKED", "state_unlocked": "UNLOCKED",
            ])
            if stateTopic != nil { entity.config["value_template"] = "{{ value_json.lock }}" }
        case .lighting:
            entity = Entity(component: "light", object: "light", config: [
                "command_topic": "devices/\(device.id)/cmd/power", "payload_on": "ON", "payload_off": "OFF",
            ])
            if stateTopic != nil { entity.config["state_value_template"] = "{{ value_json.power }}" }
        default:
            entity = Entity(component: "switch", object: "switch", config: [
                "command_topic": "devices/\(device.id)/cmd/power", "payload_on": "ON", "payload_off": "OFF",
                "state_on": "ON", "state_off": "OFF",
            ])
            if stateTopic != nil { entity.config["value_template"] = "{{ value_json.power }}" }
        }
        entity.config["name"] = device.name
        if let stateTopic { entity.config["state_topic"] = stateTopic } else { entity.config["optimistic"] = true }
        return entity
    }

    /// The top-level scalar fields a flow's messages carry once minimized, in order, that can
    /// name an entity: its object schema's, less what `keep` and `drop` take away; an aggregate's
    /// own fields. Empty when the payload is not an object of such fields (then it is one sensor).
    static func fields(of flow: FlowDeclaration) -> [String] {
        if let fields = flow.minimization.lazy.compactMap({ rule -> [String]? in
            if case .aggregate(_, let fields) = rule { return fields.map(\.path) }
            return nil
        }).first {
            return fields.filter(isEntityName)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(flow.schema.json)) as? [String: Any],
              let properties = object["properties"] as? [String: Any]
        else { return [] }
        var names = properties.keys.filter { name in
            guard isEntityName(name), let type = (properties[name] as? [String: Any])?["type"] as? String else { return false }
            return ["number", "integer", "string", "boolean"].contains(type)
        }
        for rule in flow.minimization {
            switch rule {
            case .keep(let paths): names = names.filter(paths.contains)
            case .drop(let paths): names = names.filter { !paths.contains($0) }
            default: break
            }
        }
        return names.sorted()
    }

    private static func isEntityName(_ name: String) -> Bool {
        name.utf8.count <= 32 && !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
