import Foundation
import HearthAudit
import HearthCore
import HearthPrivacy
import HearthStore
import ZIPFoundation

/// An owner's rights over what the hub holds: one archive of everything about the household,
/// and the erasure of a device's or the household's telemetry. Both are audited.
extension PrivacyService {
    /// The files of a household's export, each a JSON document, in archive order.
    package static let exportFiles = [
        "household.json", "devices.json", "flows.json", "consents.json", "destinations.json", "bridged.json",
        "retained.json", "people.json", "grants.json", "audit.json",
    ]

    /// Everything the hub holds about the household, as a ZIP archive of JSON files
    /// (docs/privacy.md lists them). The export is audited before the archive is handed out.
    package func export(household: HouseholdID, lifecycle: DeviceLifecycle, people: PeopleService, actor: AuditActor) async throws -> [UInt8] {
        let devices = try await lifecycle.list(household: household)
        let members = try await people.members(household: household)
        // Read, then encoded outside any transaction: only the audit entry needs the writer.
        let held = try await store.read { db in
            HeldData(
                name: try await db.households.find(household)?.name,
                models: try await db.devices.models(in: household)[household] ?? [:],
                flows: try await db.privacy.flows(household: household), consents: try await db.privacy.consents(household: household),
                destinations: try await db.privacy.destinations(household: household),
                bridged: try await db.privacy.bridged(household: household), retained: try await db.mqtt.retained(household: household),
                grants: try await db.oauthGrants.all(in: household, includingRevoked: true),
                audit: try await Self.auditEntries(household, db))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let files: [String: Data] = [
            "household.json": try encoder.encode(ExportedHousehold(
                id: household.rawValue, name: held.name, exportedAt: store.clock.now, files: Self.exportFiles)),
            "devices.json": try encoder.encode(devices.map { ExportedDevice(device: DeviceView($0), model: held.models[$0.device.id]) }),
            "flows.json": try encoder.encode(held.flows.map(ExportedFlow.init)),
            "consents.json": try encoder.encode(held.consents.map(ExportedConsent.init)),
            "destinations.json": try encoder.encode(held.destinations.map(ExportedDestination.init)),
            "bridged.json": try encoder.encode(held.bridged),
            "retained.json": try encoder.encode(held.retained.map(ExportedMessage.init)),
            "people.json": try encoder.encode(members.map(PersonView.init)),
            "grants.json": try encoder.encode(held.grants.map(ExportedGrant.init)),
            "audit.json": try encoder.encode(held.audit.map(AuditEntryView.init)),
        ]
        try await store.write { db in
            try await db.audit.append(AuditEvent(
                .householdExported, actor: actor, subject: "household:\(household.rawValue)", household: household,
                reason: "an owner exported the household's data",
                details: ["devices": String(devices.count), "audit_entries": String(held.audit.count)]))
        }
        let archive = try Archive(data: Data(), accessMode: .create)
        let modified = store.clock.now
        for name in Self.exportFiles {
            let data = files[name] ?? Data("[]".utf8)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: modified,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw HearthError(.configuration, "the export archive could not be written") }
        return Array(bytes)
    }

    /// What the export reads from the store.
    private struct HeldData: Sendable {
        let name: String?
        let models: [DeviceID: String]
        let flows: [PrivacyRecords.FlowRow]
        let consents: [PrivacyRecords.ConsentRow]
        let destinations: [PrivacyRecords.DestinationRow]
        let bridged: [PrivacyRecords.DailyRow]
        let retained: [MQTTRecords.StoredRow]
        let grants: [OAuthGrantRecord]
        let audit: [AuditEntry]
    }

    private static func auditEntries(_ household: HouseholdID, _ db: StoreSession) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var after: Int64?
        while true {
            let page = try await db.audit.entries(AuditQuery(
                householdID: household.rawValue, afterIndex: after, newestFirst: false, limit: 1000))
            entries += page
            guard page.count == 1000, let last = page.last else { return entries }
            after = last.index
        }
    }

    /// Erases the telemetry of one device (nil: every device of the household): retained
    /// messages and copies queued for offline apps, in memory and in every table. Returns how
    /// many messages went.
    package func erase(household: HouseholdID, device: DeviceID?, actor: AuditActor) async throws -> Int {
        if let device {
            try await store.read { db in try await Self.requireDevice(device, household: household, db) }
        }
        let fromBroker = try await erasing?(household, device) ?? 0
        return try await store.write { db in
            let fromTables = try await db.privacy.eraseTelemetry(household: household, device: device)
            // The broker deleted the rows of what it held; the tables keep what it never loaded.
            let erased = fromBroker + fromTables
            try await db.audit.append(AuditEvent(
                .telemetryErased, actor: actor, subject: device.map { "device:\($0.rawValue)" } ?? "household:\(household.rawValue)",
                household: household, reason: device == nil ? "the household's telemetry erased" : "the device's telemetry erased",
                details: ["messages": String(erased)]))
            return erased
        }
    }
}

// MARK: The export's shapes

private struct ExportedHousehold: Encodable {
    let id: String
    let name: String?
    let exportedAt: Date
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, files
        case exportedAt = "exported_at"
    }
}

private struct ExportedDevice: Encodable {
    let device: DeviceView
    let model: String?
}

private struct ExportedFlow: Encodable {
    let scope: String
    let name: String
    let source: String
    let declaredAt: Date
    let declaration: JSONText

    init(_ row: PrivacyRecords.FlowRow) {
        scope = row.scope
        name = row.name
        source = row.source
        declaredAt = row.declaredAt
        declaration = JSONText(row.declaration)
    }

    enum CodingKeys: String, CodingKey {
        case scope, name, source, declaration
        case declaredAt = "declared_at"
    }
}

private struct ExportedConsent: Encodable {
    let scope: String
    let flow: String
    let recipient: String
    let purpose: String
    let grantedBy: String
    let grantedAt: Date

    init(_ row: PrivacyRecords.ConsentRow) {
        scope = row.scope
        flow = row.flow
        recipient = row.recipient
        purpose = row.purpose
        grantedBy = row.grantedBy
        grantedAt = row.grantedAt
    }

    enum CodingKeys: String, CodingKey {
        case scope, flow, recipient, purpose
        case grantedBy = "granted_by"
        case grantedAt = "granted_at"
    }
}

/// A destination without its sealed key: the export is the household's data, not the hub's secrets.
private struct ExportedDestination: Encodable {
    let name: String
    let host: String
    let port: Int
    let topicPrefix: String
    let createdAt: Date

    init(_ row: PrivacyRecords.DestinationRow) {
        name = row.name
        host = row.host
        port = row.port
        topicPrefix = row.topicPrefix
        createdAt = row.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, host, port
        case topicPrefix = "topic_prefix"
        case createdAt = "created_at"
    }
}

private struct ExportedMessage: Encodable {
    let topic: String
    /// The payload as text when it is UTF-8, else nil and `payload_base64` holds it.
    let payload: String?
    let payloadBase64: String?

    init(_ row: MQTTRecords.StoredRow) {
        topic = row.key
        let text = String(validating: row.payload, as: UTF8.self)
        payload = text
        payloadBase64 = text == nil ? Data(row.payload).base64EncodedString() : nil
    }

    enum CodingKeys: String, CodingKey {
        case topic, payload
        case payloadBase64 = "payload_base64"
    }
}

private struct ExportedGrant: Encodable {
    let id: String
    let client: String
    let subject: String
    let scope: String
    let createdAt: Date
    let lastUsedAt: Date
    let revokedAt: Date?

    init(_ grant: OAuthGrantRecord) {
        id = grant.id
        client = grant.clientID
        subject = grant.subject
        scope = grant.scope
        createdAt = grant.createdAt
        lastUsedAt = grant.lastUsedAt
        revokedAt = grant.revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, client, subject, scope
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

/// JSON text the hub wrote itself, embedded as JSON rather than as a string.
private struct JSONText: Encodable {
    let text: String

    init(_ text: String) { self.text = text }

    func encode(to encoder: any Encoder) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        try value.encode(to: encoder)
    }
}

/// Any JSON value, decoded and encoded again as it was (numbers as decimals: no digit is lost).
private indirect enum JSONValue: Codable {
    case null, bool(Bool), number(Decimal), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let number = try? container.decode(Decimal.self) { self = .number(number) }
        else if let string = try? container.decode(String.self) { self = .string(string) }
        else if let array = try? container.decode([JSONValue].self) { self = .array(array) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
