import Foundation
import HearthCore
import HearthDetection
import HearthStore

/// An alert as owners and operators see it: a finding, its evidence, what the hub did, and
/// whether someone acknowledged it. Encoded the one way the API, the CLI and the `hub/alerts`
/// MQTT topic show it: snake_case members, RFC 3339 times, the evidence as an object.
public struct Alert: Sendable, Hashable, Encodable {
    public let id: String
    /// Nil: hub-wide (a stranger guessing at the hub, who is in no household).
    public let household: HouseholdID?
    public let kind: FindingKind
    public let suspect: String
    public let severity: Severity
    public let summary: String
    public let evidence: [Evidence]
    /// What the hub did, in the order it did it.
    public let actions: [String]
    public let raisedAt: Date
    public let updatedAt: Date
    public let acknowledgedAt: Date?
    public let acknowledgedBy: String?

    init(_ row: AlertRecords.AlertRow) throws {
        guard let kind = FindingKind(rawValue: row.kind), let severity = Severity(rawValue: row.severity) else {
            throw HearthError(.storageUnavailable, "a stored alert is malformed")
        }
        id = row.id
        household = row.household
        self.kind = kind
        suspect = row.suspect
        self.severity = severity
        summary = row.summary
        evidence = try JSONDecoder().decode([Evidence].self, from: Data(row.evidence.utf8))
        actions = try JSONDecoder().decode([String].self, from: Data(row.actions.utf8))
        raisedAt = row.raisedAt
        updatedAt = row.updatedAt
        acknowledgedAt = row.acknowledgedAt
        acknowledgedBy = row.acknowledgedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, household, kind, suspect, severity, summary, evidence, actions
        case raisedAt = "raised_at", updatedAt = "updated_at", acknowledgedAt = "acknowledged_at", acknowledgedBy = "acknowledged_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(household?.rawValue, forKey: .household)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(suspect, forKey: .suspect)
        try c.encode(severity.rawValue, forKey: .severity)
        try c.encode(summary, forKey: .summary)
        try c.encode(Dictionary(evidence.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }), forKey: .evidence)
        try c.encode(actions, forKey: .actions)
        try c.encode(RFC3339.format(raisedAt), forKey: .raisedAt)
        try c.encode(RFC3339.format(updatedAt), forKey: .updatedAt)
        try c.encode(acknowledgedAt.map(RFC3339.format), forKey: .acknowledgedAt)
        try c.encode(acknowledgedBy, forKey: .acknowledgedBy)
    }

    /// The alert as JSON bytes (what `hub/alerts` carries).
    func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}
