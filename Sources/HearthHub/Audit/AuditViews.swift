import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// The JSON shape of an entry, the same in the API, `hearth audit search --json` and
/// `hearth audit export`: every field the leaf hash covers, so anyone can re-hash it.
public struct AuditEntryView: Encodable, Sendable {
    package let index: Int64
    package let time: Date
    package let timeMillis: Int64
    package let householdID: String?
    package let actor: String
    package let action: String
    package let subject: String
    package let reason: String
    package let details: [String: String]?
    package let detailsSalt: String?
    package let detailsCommitment: String
    package let redactedAt: Date?
    package let leafHash: String

    public init(_ entry: AuditEntry) {
        index = entry.index
        time = entry.time
        timeMillis = entry.time.unixMilliseconds
        householdID = entry.householdID
        actor = entry.actor
        action = entry.action
        subject = entry.subject
        reason = entry.reason
        // Details are always a flat object of strings when written; anything else is shown as absent.
        details = entry.details.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        detailsSalt = entry.detailsSalt.map { Data($0).base64EncodedString() }
        detailsCommitment = Data(entry.detailsCommitment).base64EncodedString()
        redactedAt = entry.redactedAt
        leafHash = Data(entry.leafHash).base64EncodedString()
    }

    package enum CodingKeys: String, CodingKey {
        case index, time, actor, action, subject, reason, details
        case timeMillis = "time_ms"
        case householdID = "household_id"
        case detailsSalt = "details_salt"
        case detailsCommitment = "details_commitment"
        case redactedAt = "redacted_at"
        case leafHash = "leaf_hash"
    }

    // Absent values are written as `null`, so every entry has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(time, forKey: .time)
        try container.encode(timeMillis, forKey: .timeMillis)
        try container.encode(householdID, forKey: .householdID)
        try container.encode(actor, forKey: .actor)
        try container.encode(action, forKey: .action)
        try container.encode(subject, forKey: .subject)
        try container.encode(reason, forKey: .reason)
        try container.encode(details, forKey: .details)
        try container.encode(detailsSalt, forKey: .detailsSalt)
        try container.encode(detailsCommitment, forKey: .detailsCommitment)
        try container.encode(redactedAt, forKey: .redactedAt)
        try container.encode(leafHash, forKey: .leafHash)
    }

    /// One line of JSON (the export format).
    public static func jsonLine(_ entry: AuditEntry) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(AuditEntryView(entry)), as: UTF8.self)
    }
}

package struct AuditCheckpointView: Encodable {
    package let size: Int64
    package let rootHash: String
    package let time: Date
    package let note: String
    package let key: String

    package init(_ checkpoint: AuditRecords.StoredCheckpoint, key: NoteVerifierKey) {
        size = checkpoint.size
        rootHash = Data(checkpoint.rootHash).base64EncodedString()
        time = checkpoint.createdAt
        note = checkpoint.note
        self.key = key.description
    }

    package enum CodingKeys: String, CodingKey {
        case size, time, note, key
        case rootHash = "root_hash"
    }
}
