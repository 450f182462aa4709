import Foundation
import HearthCore
import HearthDetection

/// An alert as the household's apps read it on `hub/alerts` (docs/detection.md): one JSON object
/// per alert raised or escalated.
struct AlertMessage: Encodable {
    let id: String
    let kind: String
    let suspect: String
    let severity: String
    let summary: String
    let actions: [String]
    let raisedAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, kind, suspect, severity, summary, actions
        case raisedAt = "raised_at", updatedAt = "updated_at"
    }

    static func encode(_ alert: Alert) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(AlertMessage(
            id: alert.id, kind: alert.kind.rawValue, suspect: alert.suspect, severity: alert.severity.rawValue,
            summary: alert.summary, actions: alert.actions, raisedAt: RFC3339.format(alert.raisedAt),
            updatedAt: RFC3339.format(alert.updatedAt))))
    }
}
