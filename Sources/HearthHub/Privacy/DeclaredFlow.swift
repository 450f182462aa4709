import Foundation
import HearthBroker
import HearthCore
import HearthPrivacy

/// One declared flow as the broker enforces it: the declaration, its compiled pipeline, the tag
/// its messages carry and the recipients the owner consented to. Immutable: a change of
/// declarations or consents makes new ones (``TelemetryRules/reload(_:)``).
final class DeclaredFlow: Sendable {
    let household: HouseholdID
    let scope: FlowScope
    let declaration: FlowDeclaration
    let pipeline: FlowPipeline
    let tag: FlowTag
    let consented: Set<FlowRecipient>
    /// Whether apps may receive it now: asked for every copy of every message.
    let reachesApps: Bool
    /// The destinations the flow may be bridged to now.
    let openDestinations: [String]
    /// Read from the declaration once: read through it on every PUBLISH, a computed property
    /// copies the whole declaration (a retain and a release per reference it holds).
    let aggregates: Bool
    /// The declaration's retention in seconds, what every message let in expires by.
    let retention: TimeInterval

    init(household: HouseholdID, scope: FlowScope, declaration: FlowDeclaration, consented: Set<FlowRecipient>) {
        self.household = household
        self.scope = scope
        self.declaration = declaration
        self.consented = consented
        pipeline = FlowPipeline(declaration)
        aggregates = declaration.aggregates
        retention = declaration.retention.seconds
        reachesApps = Self.reaches(.apps, declaration, consented)
        tag = FlowTag(Self.key(scope: scope, flow: declaration.name), reachesApps: reachesApps)
        openDestinations = declaration.destinations.filter { Self.reaches(.destination($0), declaration, consented) }
    }

    static func key(scope: FlowScope, flow: String) -> String { "\(scope)/\(flow)" }

    /// Whether `recipient` may receive the flow: it is among the declared recipients, and has
    /// the owner's consent where the declaration needs it.
    func reaches(_ recipient: FlowRecipient) -> Bool { Self.reaches(recipient, declaration, consented) }

    private static func reaches(_ recipient: FlowRecipient, _ declaration: FlowDeclaration, _ consented: Set<FlowRecipient>) -> Bool {
        switch recipient {
        case .apps: guard declaration.appsReceive else { return false }
        case .destination(let name): guard declaration.destinations.contains(name) else { return false }
        }
        return !declaration.needsConsent(for: recipient) || consented.contains(recipient)
    }
}

/// A household's declared flows, by device and by model, and which model each device is.
struct HouseholdFlows: Sendable {
    var byDevice: [DeviceID: [String: DeclaredFlow]] = [:]
    var byModel: [String: [String: DeclaredFlow]] = [:]
    var models: [DeviceID: String] = [:]
    var byTag: [String: DeclaredFlow] = [:]

    /// The flow a device publishes on: its own declaration first, then its model's.
    func flow(_ name: Substring, of device: DeviceID) -> DeclaredFlow? {
        let name = String(name)
        if let own = byDevice[device]?[name] { return own }
        guard let model = models[device] else { return nil }
        return byModel[model]?[name]
    }

    /// Every flow a device follows, by name.
    func flows(of device: DeviceID) -> [String: DeclaredFlow] {
        var flows = models[device].flatMap { byModel[$0] } ?? [:]
        for (name, flow) in byDevice[device] ?? [:] { flows[name] = flow }
        return flows
    }

    mutating func add(_ flow: DeclaredFlow) {
        switch flow.scope {
        case .device(let id): byDevice[id, default: [:]][flow.declaration.name] = flow
        case .model(let model): byModel[model, default: [:]][flow.declaration.name] = flow
        }
        byTag[flow.tag.key] = flow
    }
}
