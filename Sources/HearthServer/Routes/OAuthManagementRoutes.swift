import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import Hummingbird

/// Owners manage OAuth clients and the grants third parties hold (`/v1/oauth/…`); each person
/// manages their second factor (`/v1/me/second-factor…`); owners register devices that sit
/// behind a gateway.
struct OAuthManagementRoutes: Sendable {
    let registry: ClientRegistry
    let secondFactor: SecondFactor
    let lifecycle: DeviceLifecycle
    let sessions: SessionAuthenticator
    let bodyLimit: Int

    private var store: Store { registry.store }

    struct CodeBody: Decodable { let code: String }
    struct BehindGateway: Decodable { let name: String }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/oauth/clients") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "register apps", scope: "clients:manage")
                let registration = try await JSONBody.decode(ClientRegistry.Registration.self, from: request, limit: bodyLimit)
                let client = try await registry.register(registration, household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(ClientView(client), status: .created)
            },
            Endpoint(.get, "/v1/oauth/clients") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "list apps", scope: "clients:manage")
                let clients = try await store.read { db in try await db.oauthClients.all(in: person.householdID) }
                return try JSONBody.response(["clients": clients.map(ClientView.init)])
            },
            Endpoint(.delete, "/v1/oauth/clients/:id") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "revoke apps", scope: "clients:manage")
                try await registry.revokeClient(
                    context.parameters.get("id") ?? "", household: person.householdID, actor: .person(person.id))
                return Response(status: .noContent)
            },
            Endpoint(.get, "/v1/oauth/grants") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "list grants", scope: "clients:manage")
                let grants = try await registry.listing(household: person.householdID).grants
                return try JSONBody.response(["grants": grants.map { GrantView($0.0, clientName: $0.clientName) }])
            },
            Endpoint(.delete, "/v1/oauth/grants/:id") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "revoke grants", scope: "clients:manage")
                try await registry.revokeGrant(
                    context.parameters.get("id") ?? "", household: person.householdID, actor: .person(person.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/me/second-factor") { request, context in
                let caller = try await sessions.session(context.call(request))
                return try JSONBody.response(try await secondFactor.begin(caller.person), status: .created)
            },
            Endpoint(.post, "/v1/me/second-factor/confirm") { request, context in
                let caller = try await sessions.session(context.call(request))
                let body = try await JSONBody.decode(CodeBody.self, from: request, limit: bodyLimit)
                let codes = try await secondFactor.confirm(caller.person, code: body.code)
                return try JSONBody.response(["recovery_codes": codes])
            },
            Endpoint(.post, "/v1/me/second-factor/remove") { request, context in
                let caller = try await sessions.session(context.call(request))
                let body = try await JSONBody.decode(CodeBody.self, from: request, limit: bodyLimit)
                try await secondFactor.remove(caller.person, code: body.code)
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/devices/:id/behind") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "register devices", scope: "devices:manage")
                guard let gateway = DeviceID(context.parameters.get("id") ?? "") else {
                    throw HearthError(.notFound, "no such device in this household")
                }
                let body = try await JSONBody.decode(BehindGateway.self, from: request, limit: bodyLimit)
                let device = try await lifecycle.registerBehindGateway(
                    gateway, name: body.name, household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(
                    ["id": device.id.rawValue, "name": device.name, "zone": device.zone.name, "gateway_id": gateway.rawValue],
                    status: .created)
            },
        ]
    }
}
