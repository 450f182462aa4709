import Foundation
import HearthCore
import HearthDetection
import HearthStore

/// An alert as owners and operators see it: a finding, its evidence, what the hub did, and
/// whether someone acknowledged it.
public struct Alert: Sendable, Hashable, Codable {
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
}
