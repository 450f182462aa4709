import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthPrivacy
import HearthStore

/// The household's data-flow map — device → flow → recipients, with each recipient's consent —
/// the bridge destinations, and the privacy metrics.
extension PrivacyService {
    package struct FlowMap: Sendable, Encodable {
        package let devices: [DeviceFlows]
        package let destinations: [Destination]
        /// Flows declared for a model no device of the household is (yet).
        package let unusedModels: [String]

        enum CodingKeys: String, CodingKey {
            case devices, destinations
            case unusedModels = "unused_models"
        }
    }

    package struct DeviceFlows: Sendable, Encodable {
        package let id: String
        package let name: String
        package let model: String?
        package let flows: [Flow]
    }

    package struct Flow: Sendable, Encodable {
        package let name: String
        package let scope: String
        package let dataClass: String
        package let sensitive: [String]
        package let purpose: String
        package let retentionSeconds: Int
        package let recipients: [Recipient]

        enum CodingKeys: String, CodingKey {
            case name, scope, sensitive, purpose, recipients
            case dataClass = "class"
            case retentionSeconds = "retention_seconds"
        }
    }

    package struct Recipient: Sendable, Encodable {
        /// `apps` or `destination:<name>`.
        package let recipient: String
        package let consentNeeded: Bool
        package let consented: Bool
        /// Whether the flow reaches the recipient now.
        package let open: Bool

        enum CodingKeys: String, CodingKey {
            case recipient, consented, open
            case consentNeeded = "consent_needed"
        }
    }

    package struct Destination: Sendable, Encodable {
        package let name: String
        package let host: String
        package let port: Int
        package let topicPrefix: String
        package let connected: Bool
        package let lastError: String?

        enum CodingKeys: String, CodingKey {
            case name, host, port, connected
            case topicPrefix = "topic_prefix"
            case lastError = "last_error"
        }
    }

    package func map(household: HouseholdID) async throws -> FlowMap {
        let devices = try await store.read { db in try await db.devices.all(in: household) }
        let (loaded, destinations, _) = try await TelemetryRules.load(store, household: household)
        let flows = loaded[household] ?? HouseholdFlows()
        let statuses = rules?.bridges.statuses(household: household) ?? [:]
        let used = Set(devices.compactMap { flows.models[$0.id] })
        return FlowMap(
            devices: devices.filter { $0.state != .decommissioned }.map { device in
                DeviceFlows(
                    id: device.id.rawValue, name: device.name, model: flows.models[device.id],
                    flows: flows.flows(of: device.id).values.sorted { $0.declaration.name < $1.declaration.name }.map(Self.flow))
            },
            destinations: destinations.map { row in
                let status = statuses[.init(household: household, destination: row.name)]
                return Destination(
                    name: row.name, host: row.host, port: row.port, topicPrefix: row.topicPrefix,
                    connected: status?.connected ?? false, lastError: status?.lastError)
            },
            unusedModels: flows.byModel.keys.filter { !used.contains($0) }.sorted())
    }

    static func flow(_ flow: DeclaredFlow) -> Flow {
        let declaration = flow.declaration
        return Flow(
            name: declaration.name, scope: flow.scope.description, dataClass: declaration.dataClass.rawValue,
            sensitive: declaration.sensitive.map(\.rawValue).sorted(), purpose: declaration.purpose,
            retentionSeconds: Int(declaration.retention.seconds),
            recipients: recipients(declaration).map { recipient in
                Recipient(
                    recipient: recipient.description, consentNeeded: declaration.needsConsent(for: recipient),
                    consented: flow.consented.contains(recipient), open: flow.reaches(recipient))
            })
    }

    // MARK: Metrics

    package struct Metrics: Sendable {
        package var refusedByReason: [TelemetryRefusal: Int]
        /// Devices (not decommissioned) that follow at least one declared flow, and all of them.
        package var devicesWithFlows: Int
        package var devices: Int
        /// Flows with at least one consent, by data class (every class).
        package var consentedByClass: [DataClass: Int]
        /// Audit entries holding personal data past their retention, and telemetry that retention
        /// sweeps found past its retention by more than their grace: both must stay 0.
        package var pastRetention: Int
        /// Bytes each destination acknowledged, by household and destination name.
        package var bytesSent: [BridgeLinks.Key: Int64]
    }

    package func metrics(personalRetention: Duration?) async throws -> Metrics {
        let now = store.clock.now
        let (devices, personalOverdue) = try await store.read { db in
            var overdue = 0
            if let personalRetention {
                // A day's grace: the sweep runs every few minutes.
                overdue = try await db.audit.personalCount(olderThan: now.addingTimeInterval(-personalRetention.seconds - 86_400))
            }
            return (try await db.devices.liveDevices(), overdue)
        }
        // What the broker enforces, in the hub; read from the store by a process without a broker.
        let households = if let rules { rules.enforced } else { try await TelemetryRules.load(store, household: nil).0 }
        var withFlows = 0
        var consented = Dictionary(uniqueKeysWithValues: DataClass.allCases.map { ($0, 0) })
        for (device, household) in devices where !(households[household]?.flows(of: device).isEmpty ?? true) {
            withFlows += 1
        }
        for flows in households.values {
            for flow in flows.byTag.values where !flow.consented.isEmpty {
                consented[flow.declaration.dataClass, default: 0] += 1
            }
        }
        return Metrics(
            refusedByReason: (rules?.counters ?? PrivacyCounters()).refusedByReason, devicesWithFlows: withFlows,
            devices: devices.count, consentedByClass: consented,
            pastRetention: personalOverdue + (rules?.counters.overdueFound ?? 0),
            bytesSent: rules?.bridges.bytesSent ?? [:])
    }

    // MARK: What was bridged

    /// Writes the bridged counts to the store and audits each finished UTC day per flow and
    /// destination (one entry each, however many messages).
    package func recordBridged() async throws {
        guard let rules else { return }
        let today = BridgeLinks.day(store.clock.now)
        // Nothing bridged since the last round and no day ended since: nothing to write.
        guard rules.bridges.hasCounts || rules.bridges.dayChanged(to: today) else { return }
        let taken = rules.bridges.takeCounts()
        do {
            try await store.write { db in
                for (count, value) in taken {
                    try await db.privacy.addBridged(
                        household: count.key.household, destination: count.key.destination, flow: count.flow, day: count.day,
                        messages: value.messages, bytes: value.bytes)
                }
                for (household, day) in try await db.privacy.takeUnauditedDays(before: today) {
                    try await db.audit.append(AuditEvent(
                        .telemetryBridged, actor: .system("hub"), subject: "destination:\(day.destination)", household: household,
                        reason: "telemetry bridged on \(day.day)",
                        details: ["flow": day.flow, "day": day.day, "messages": String(day.messages), "bytes": String(day.bytes)]))
                }
            }
        } catch {
            rules.bridges.restore(taken)
            throw error
        }
    }
}
