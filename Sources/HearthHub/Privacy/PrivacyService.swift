import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthPrivacy
import HearthStore
import Logging

/// Telemetry privacy for a household's owners (docs/privacy.md): flow declarations (the owner's,
/// or a maker's signed document), device models, consents per flow and recipient, bridge
/// destinations, the data-flow map, export and erasure. Every change is audited in the
/// transaction that makes it, moves the privacy revision (other processes reload) and is
/// enforced by this process's broker before the call returns.
package struct PrivacyService: Sendable {
    package let store: Store
    /// What this process's broker enforces; nil in the CLI, whose changes reach a running hub
    /// through the privacy revision.
    package let rules: TelemetryRules?
    let sealer: KeySealer
    /// Erases what the broker holds in memory; nil when the hub runs no broker.
    let erasing: (@Sendable (HouseholdID, DeviceID?) async throws -> Int)?

    package init(
        store: Store, rules: TelemetryRules?, sealer: KeySealer,
        erasing: (@Sendable (HouseholdID, DeviceID?) async throws -> Int)? = nil
    ) {
        self.store = store
        self.rules = rules
        self.sealer = sealer
        self.erasing = erasing
    }

    // MARK: Declarations

    /// Declares the flows of a document for one device or one model, replacing flows of the same
    /// names there. An owner's document names its scope; a model document may say `model`.
    package func declare(
        _ document: [UInt8], scope: FlowScope, household: HouseholdID, actor: AuditActor
    ) async throws -> [FlowDeclaration] {
        let manifest = try FlowManifest.parse(document)
        if case .model(let model) = scope, let named = manifest.model, named != model {
            throw HearthError(.invalidInput, "the document is for model \(named), not \(model)")
        }
        return try await record(manifest.flows, scope: scope, source: actor.description, household: household, actor: actor)
    }

    /// Declares a maker's signed document (``MakerSignature``) for the model it names.
    package func declareSigned(_ jws: String, household: HouseholdID, actor: AuditActor) async throws -> (model: String, flows: [FlowDeclaration]) {
        let roots = try await store.read { db in try await db.attestation.roots() }
        let (document, root) = try MakerSignature.verify(jws, roots: roots)
        let manifest = try FlowManifest.parse(document)
        guard let model = manifest.model else { throw HearthError(.invalidInput, "a maker's flow document must name its model") }
        let scope = FlowScope.model(try FlowScope.model(model))
        let flows = try await record(manifest.flows, scope: scope, source: "maker:\(root.id)", household: household, actor: actor)
        return (model, flows)
    }

    private func record(
        _ flows: [FlowDeclaration], scope: FlowScope, source: String, household: HouseholdID, actor: AuditActor
    ) async throws -> [FlowDeclaration] {
        try await change(household) { db in
            if case .device(let id) = scope { try await Self.requireDevice(id, household: household, db) }
            for flow in flows {
                try await db.privacy.declare(.init(
                    household: household, scope: scope.description, name: flow.name,
                    declaration: String(decoding: flow.json, as: UTF8.self), source: source, declaredAt: db.clock.now))
                try await db.audit.append(AuditEvent(
                    .flowDeclared, actor: actor, subject: "flow:\(scope)/\(flow.name)", household: household,
                    reason: flow.purpose,
                    details: [
                        "class": flow.dataClass.rawValue, "declared_by": source.hasPrefix("maker:") ? source : "owner",
                        "retention_seconds": String(Int(flow.retention.seconds)),
                        "recipients": Self.recipients(flow).map(\.description).joined(separator: " "),
                    ]))
            }
        }
        return flows
    }

    package func removeFlow(scope: FlowScope, name: String, household: HouseholdID, actor: AuditActor) async throws {
        try await change(household) { db in
            guard try await db.privacy.removeFlow(household: household, scope: scope.description, name: name) else {
                throw HearthError(.notFound, "no flow \(name) is declared for \(scope)")
            }
            try await db.audit.append(AuditEvent(
                .flowRemoved, actor: actor, subject: "flow:\(scope)/\(name)", household: household, reason: "declaration removed"))
        }
    }

    /// Says which model a device is (nil: none): it then follows the model's declared flows.
    package func setModel(_ device: DeviceID, model: String?, household: HouseholdID, actor: AuditActor) async throws {
        let model: String? = try model.map { name throws(HearthError) -> String in try FlowScope.model(name) }
        let (_, revision) = try await committed { db in
            try await Self.requireDevice(device, household: household, db)
            try await db.devices.setModel(device, model: model)
            try await db.audit.append(AuditEvent(
                .deviceModelSet, actor: actor, subject: "device:\(device.rawValue)", household: household,
                reason: model.map { "model \($0)" } ?? "no model"))
        }
        // Every pairing sets its device's model: re-reading the household's rules for each would
        // make pairing slower the larger the household (one row per device, each time).
        await rules?.setModel(model, of: device, household: household, madeRevision: revision)
    }

    // MARK: Consent

    /// Grants consent for a flow to reach a recipient, for the purpose the owner states (the
    /// flow's own purpose when none is given).
    package func grant(
        flow: String, scope: FlowScope, recipient: FlowRecipient, purpose: String?, household: HouseholdID, actor: AuditActor
    ) async throws {
        try await change(household) { db in
            let declaration = try await Self.declaration(flow, scope: scope, household: household, db)
            guard Self.recipients(declaration).contains(recipient) else {
                throw HearthError(.invalidInput, "flow \(flow) does not declare \(recipient.description) as a recipient")
            }
            let purpose = try Self.purpose(purpose ?? declaration.purpose)
            try await db.privacy.grant(.init(
                household: household, scope: scope.description, flow: flow, recipient: recipient.description, purpose: purpose,
                grantedBy: actor.description, grantedAt: db.clock.now))
            try await db.audit.append(AuditEvent(
                .consentGranted, actor: actor, subject: "flow:\(scope)/\(flow)", household: household, reason: purpose,
                details: ["recipient": recipient.description]))
        }
    }

    /// Withdraws a consent: nothing more of the flow reaches the recipient from the moment this
    /// returns (queued and retained copies included; a bridge drops what it had not sent).
    package func withdraw(flow: String, scope: FlowScope, recipient: FlowRecipient, household: HouseholdID, actor: AuditActor) async throws {
        try await change(household) { db in
            guard let withdrawn = try await db.privacy.withdraw(
                household: household, scope: scope.description, flow: flow, recipient: recipient.description)
            else { throw HearthError(.notFound, "flow \(flow) has no consent for \(recipient.description)") }
            try await db.audit.append(AuditEvent(
                .consentWithdrawn, actor: actor, subject: "flow:\(scope)/\(flow)", household: household,
                reason: "consent withdrawn",
                details: ["recipient": recipient.description, "granted_by": withdrawn.grantedBy,
                          "granted_at": String(withdrawn.grantedAt.unixMilliseconds)]))
        }
    }

    // MARK: Bridge destinations

    package struct NewDestination: Sendable {
        package var name: String
        package var host: String
        package var port: Int
        package var topicPrefix: String
        package var trustRootsPEM: String
        package var clientChainPEM: String
        package var clientKeyPEM: String

        package init(
            name: String, host: String, port: Int, topicPrefix: String, trustRootsPEM: String, clientChainPEM: String,
            clientKeyPEM: String
        ) {
            self.name = name
            self.host = host
            self.port = port
            self.topicPrefix = topicPrefix
            self.trustRootsPEM = trustRootsPEM
            self.clientChainPEM = clientChainPEM
            self.clientKeyPEM = clientKeyPEM
        }
    }

    /// Adds an external broker flows may be bridged to (with the owner's consent per flow). The
    /// hub's client key is sealed under the hub's key-encryption key.
    package func addDestination(_ new: NewDestination, household: HouseholdID, actor: AuditActor) async throws {
        try Self.checkDestination(new)
        // The certificates and key are checked now, not when the link first starts.
        try BridgeLinks.destination(
            .init(household: household, destination: new.name), host: new.host, port: new.port, topicPrefix: new.topicPrefix,
            trustRoots: new.trustRootsPEM, clientChain: new.clientChainPEM, clientKey: new.clientKeyPEM
        ).validate()
        let sealed = try sealer.seal(
            Array(new.clientKeyPEM.utf8), name: BridgeLinks.sealedKeyName(.init(household: household, destination: new.name)))
        try await change(household) { db in
            try await db.privacy.addDestination(.init(
                household: household, name: new.name, host: new.host, port: new.port, topicPrefix: new.topicPrefix,
                trustRoots: new.trustRootsPEM, clientChain: new.clientChainPEM, sealedClientKey: sealed, createdAt: db.clock.now))
            try await db.audit.append(AuditEvent(
                .destinationAdded, actor: actor, subject: "destination:\(new.name)", household: household,
                reason: "bridge to \(new.host):\(new.port)", details: ["topic_prefix": new.topicPrefix]))
        }
    }

    package func removeDestination(_ name: String, household: HouseholdID, actor: AuditActor) async throws {
        try await change(household) { db in
            guard try await db.privacy.removeDestination(household: household, name: name) else {
                throw HearthError(.notFound, "no destination named \(name)")
            }
            try await db.audit.append(AuditEvent(
                .destinationRemoved, actor: actor, subject: "destination:\(name)", household: household,
                reason: "destination removed; its consents went with it"))
        }
    }

    static func checkDestination(_ new: NewDestination) throws(HearthError) {
        guard ShortName.isValid(new.name) else { throw HearthError(.invalidInput, "a destination name is \(ShortName.rule)") }
        guard !new.host.isEmpty, new.host.utf8.count <= 253,
              new.host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
        else { throw HearthError(.invalidInput, "the destination host must be a DNS name or an IP address") }
        guard (1...65_535).contains(new.port) else { throw HearthError(.invalidInput, "the destination port must be 1-65535") }
        guard new.topicPrefix.utf8.count <= 128, !new.topicPrefix.contains("+"), !new.topicPrefix.contains("#"),
              !new.topicPrefix.hasPrefix("$")
        else { throw HearthError(.invalidInput, "the topic prefix must be at most 128 bytes, without wildcards or a leading $") }
    }

    // MARK: Shared steps

    /// Runs a privacy change in one transaction with its audit entry, moves the privacy revision
    /// (other processes reload), and reloads what this process's broker enforces for the household.
    private func change<Result: Sendable>(
        _ household: HouseholdID, _ body: @Sendable (StoreSession) async throws -> Result
    ) async throws -> Result {
        let (result, revision) = try await committed(body)
        try await rules?.reload(store, household: household, madeRevision: revision)
        return result
    }

    /// A privacy change committed with the privacy revision it moved to.
    private func committed<Result: Sendable>(
        _ body: @Sendable (StoreSession) async throws -> Result
    ) async throws -> (Result, Int64) {
        try await store.write { db in
            let result = try await body(db)
            return (result, try await db.accessChanges.bumpPrivacy())
        }
    }

    static func requireDevice(_ id: DeviceID, household: HouseholdID, _ db: StoreSession) async throws {
        guard let device = try await db.devices.find(id), device.householdID == household, device.state != .decommissioned else {
            throw HearthError(.notFound, "no such device in this household")
        }
    }

    static func declaration(_ flow: String, scope: FlowScope, household: HouseholdID, _ db: StoreSession) async throws -> FlowDeclaration {
        guard let row = try await db.privacy.flow(household: household, scope: scope.description, name: flow) else {
            throw HearthError(.notFound, "no flow \(flow) is declared for \(scope)")
        }
        return try FlowDeclaration.stored(Array(row.declaration.utf8))
    }

    static func recipients(_ flow: FlowDeclaration) -> [FlowRecipient] {
        (flow.appsReceive ? [.apps] : []) + flow.destinations.map(FlowRecipient.destination)
    }

    static func purpose(_ text: String) throws(HearthError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard FlowDeclaration.isPurpose(trimmed) else {
            throw HearthError(.invalidInput, "a consent's purpose is \(FlowDeclaration.purposeRule)")
        }
        return trimmed
    }
}
