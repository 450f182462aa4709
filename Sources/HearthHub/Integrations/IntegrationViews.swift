import Foundation
import HearthCore
import HearthStore

/// Integrations as `hearth integrations list --json` shows them (never a key).
public enum IntegrationViews {
    package struct View: Encodable {
        let id: String
        let name: String
        let state: String
        let scope: String
        let grant: String?
        let person: String?
        let certificate: String?
        let notAfter: String?

        enum CodingKeys: String, CodingKey {
            case id, name, state, scope, grant, person, certificate
            case notAfter = "not_after"
        }

        package init(_ integration: Integration) {
            id = integration.client
            name = integration.name
            state = integration.active ? "active" : "revoked"
            scope = integration.scope
            grant = integration.grant?.id
            person = integration.grant?.person?.rawValue
            certificate = integration.certificate?.serial
            notAfter = integration.certificate.map { RFC3339.format($0.notAfter) }
        }
    }

    public static func json(_ integrations: [Integration]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return String(decoding: try encoder.encode(["integrations": integrations.map(View.init)]), as: UTF8.self)
    }
}
