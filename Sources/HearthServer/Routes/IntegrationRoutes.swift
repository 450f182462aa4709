import Foundation
import HearthAudit
import HearthCore
import HearthHub
import Hummingbird

/// Owners register integrations such as Home Assistant, list and revoke them (`/v1/integrations`).
struct IntegrationRoutes: Sendable {
    let integrations: IntegrationService
    let sessions: SessionAuthenticator
    let bodyLimit: Int

    struct RegistrationBody: Decodable {
        let kind: String
        let name: String?
        let scope: String
        let csrPEM: String?
        let lifetimeDays: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, scope
            case csrPEM = "csr_pem"
            case lifetimeDays = "lifetime_days"
        }
    }

    struct RenewalBody: Decodable {
        let csrPEM: String?
        let lifetimeDays: Int?

        enum CodingKeys: String, CodingKey {
            case csrPEM = "csr_pem"
            case lifetimeDays = "lifetime_days"
        }
    }

    /// A registration's answer: the integration, its certificate and root, and the key when the
    /// hub made it (shown this once).
    struct RegisteredView: Encodable {
        let registered: IntegrationService.Registered

        enum CodingKeys: String, CodingKey {
            case integration
            case certificatePEM = "certificate_pem"
            case privateKeyPEM = "private_key_pem"
            case caPEM = "ca_pem"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(IntegrationViews.View(registered.integration), forKey: .integration)
            try container.encode(registered.certificateChainPEM, forKey: .certificatePEM)
            try container.encodeIfPresent(registered.privateKeyPEM, forKey: .privateKeyPEM)
            try container.encode(registered.rootPEM, forKey: .caPEM)
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/integrations") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "register integrations", scope: "clients:manage")
                let body = try await JSONBody.decode(RegistrationBody.self, from: request, limit: bodyLimit)
                guard body.kind == "home-assistant" else {
                    throw HearthError(.invalidInput, "kind is home-assistant, the one integration this hub knows")
                }
                let registered = try await integrations.register(
                    .init(name: body.name ?? "Home Assistant", scope: body.scope, csrPEM: body.csrPEM, lifetimeDays: body.lifetimeDays),
                    owner: person.id, household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(RegisteredView(registered: registered), status: .created)
            },
            Endpoint(.get, "/v1/integrations") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "list integrations", scope: "clients:manage")
                let list = try await integrations.list(household: person.householdID)
                return try JSONBody.response(["integrations": list.map(IntegrationViews.View.init)])
            },
            Endpoint(.post, "/v1/integrations/:id/renew") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "renew integrations", scope: "clients:manage")
                let body = try await JSONBody.decode(RenewalBody.self, from: request, limit: bodyLimit)
                let renewed = try await integrations.renew(
                    context.parameters.get("id") ?? "", csrPEM: body.csrPEM, lifetimeDays: body.lifetimeDays,
                    household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(RegisteredView(registered: renewed), status: .created)
            },
            Endpoint(.delete, "/v1/integrations/:id") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "revoke integrations", scope: "clients:manage")
                try await integrations.revoke(context.parameters.get("id") ?? "", household: person.householdID, actor: .person(person.id))
                return Response(status: .noContent)
            },
        ]
    }
}
