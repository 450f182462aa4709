import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPrivacy
import Hummingbird
import NIOCore

/// Telemetry privacy, for a household's owners (docs/privacy.md):
/// - `GET /v1/privacy/map`: the data-flow map (devices → flows → recipients and consents);
/// - `POST /v1/privacy/flows?scope=device:<id>|model:<name>`: declare the flows of a document
///   (the body); `POST /v1/privacy/flows/signed` (`{"document": "<compact JWS>"}`): a maker's
///   signed document for its model; `DELETE /v1/privacy/flows/<scope>/<name>`;
/// - `PUT /v1/privacy/devices/<id>/model` (`{"model": "…"}` or `{"model": null}`);
/// - `POST /v1/privacy/consents` and `POST /v1/privacy/consents/withdraw`
///   (`{"scope", "flow", "recipient": "apps" | "destination:<name>", "purpose"}`);
/// - `POST /v1/privacy/destinations`, `DELETE /v1/privacy/destinations/<name>`;
/// - `GET /v1/privacy/export` (a ZIP archive of JSON files) and `POST /v1/privacy/erase`
///   (`{"device": "<id>"}`, or `{}` for the whole household).
struct PrivacyRoutes: Sendable {
    let privacy: PrivacyService
    let lifecycle: DeviceLifecycle
    let people: PeopleService
    let bodyLimit: Int
    let sessions: SessionAuthenticator

    struct SignedBody: Decodable {
        let document: String
    }

    struct ModelBody: Decodable {
        let model: String?
    }

    struct ConsentBody: Decodable {
        let scope: String
        let flow: String
        let recipient: String
        let purpose: String?
    }

    struct DestinationBody: Decodable {
        let name: String
        let host: String
        let port: Int
        let topicPrefix: String?
        let trustRootsPEM: String
        let clientChainPEM: String
        let clientKeyPEM: String

        enum CodingKeys: String, CodingKey {
            case name, host, port
            case topicPrefix = "topic_prefix"
            case trustRootsPEM = "trust_roots_pem"
            case clientChainPEM = "client_chain_pem"
            case clientKeyPEM = "client_key_pem"
        }
    }

    struct EraseBody: Decodable {
        let device: String?
    }

    struct Declared: Encodable {
        let scope: String
        let flows: [String]
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/privacy/map") { request, context in
                let owner = try await owner(request, context, "see the household's data flows")
                return try JSONBody.response(try await privacy.map(household: owner.householdID))
            },
            Endpoint(.post, "/v1/privacy/flows") { request, context in
                let owner = try await owner(request, context, "declare telemetry flows")
                guard let scopeText = QueryParameters(request).text("scope") else {
                    throw Problem(.badRequest, code: "invalid-input", detail: "say what the flows are for: ?scope=device:<id> or ?scope=model:<name>")
                }
                let scope = try FlowScope(scopeText)
                let document = try await JSONBody.raw(from: request, limit: bodyLimit)
                let flows = try await privacy.declare(document, scope: scope, household: owner.householdID, actor: .person(owner.id))
                return try JSONBody.response(Declared(scope: scope.description, flows: flows.map(\.name)), status: .created)
            },
            Endpoint(.post, "/v1/privacy/flows/signed") { request, context in
                let owner = try await owner(request, context, "declare telemetry flows")
                let body = try await JSONBody.decode(SignedBody.self, from: request, limit: bodyLimit)
                let (model, flows) = try await privacy.declareSigned(body.document, household: owner.householdID, actor: .person(owner.id))
                return try JSONBody.response(Declared(scope: FlowScope.model(model).description, flows: flows.map(\.name)), status: .created)
            },
            Endpoint(.delete, "/v1/privacy/flows/:scope/:name") { request, context in
                let owner = try await owner(request, context, "remove telemetry flows")
                let scope = try FlowScope(context.parameters.get("scope") ?? "")
                try await privacy.removeFlow(
                    scope: scope, name: context.parameters.get("name") ?? "", household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.put, "/v1/privacy/devices/:id/model") { request, context in
                let owner = try await owner(request, context, "set a device's model")
                guard let id = context.parameters.get("id").flatMap(DeviceID.init) else {
                    throw Problem(.notFound, code: "not-found", detail: "no such device in this household")
                }
                let body = try await JSONBody.decode(ModelBody.self, from: request, limit: bodyLimit)
                try await privacy.setModel(id, model: body.model, household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/privacy/consents") { request, context in
                let owner = try await owner(request, context, "grant consent")
                let body = try await JSONBody.decode(ConsentBody.self, from: request, limit: bodyLimit)
                try await privacy.grant(
                    flow: body.flow, scope: try FlowScope(body.scope), recipient: try FlowRecipient(body.recipient),
                    purpose: body.purpose, household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/privacy/consents/withdraw") { request, context in
                let owner = try await owner(request, context, "withdraw consent")
                let body = try await JSONBody.decode(ConsentBody.self, from: request, limit: bodyLimit)
                try await privacy.withdraw(
                    flow: body.flow, scope: try FlowScope(body.scope), recipient: try FlowRecipient(body.recipient),
                    household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/privacy/destinations") { request, context in
                let owner = try await owner(request, context, "add a bridge destination")
                let body = try await JSONBody.decode(DestinationBody.self, from: request, limit: bodyLimit)
                try await privacy.addDestination(
                    .init(
                        name: body.name, host: body.host, port: body.port,
                        topicPrefix: body.topicPrefix ?? "hearth/\(owner.householdID.rawValue)/",
                        trustRootsPEM: body.trustRootsPEM, clientChainPEM: body.clientChainPEM, clientKeyPEM: body.clientKeyPEM),
                    household: owner.householdID, actor: .person(owner.id))
                return Response(status: .created)
            },
            Endpoint(.delete, "/v1/privacy/destinations/:name") { request, context in
                let owner = try await owner(request, context, "remove a bridge destination")
                try await privacy.removeDestination(
                    context.parameters.get("name") ?? "", household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.get, "/v1/privacy/export") { request, context in
                let owner = try await owner(request, context, "export the household's data")
                let archive = try await privacy.export(
                    household: owner.householdID, lifecycle: lifecycle, people: people, actor: .person(owner.id))
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/zip",
                        .contentDisposition: "attachment; filename=\"hearth-export-\(owner.householdID.rawValue).zip\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: archive)))
            },
            Endpoint(.post, "/v1/privacy/erase") { request, context in
                let owner = try await owner(request, context, "erase telemetry")
                let body = try await JSONBody.decode(EraseBody.self, from: request, limit: bodyLimit)
                let device = try body.device.map { text in
                    guard let id = DeviceID(text) else { throw Problem(.notFound, code: "not-found", detail: "no such device in this household") }
                    return id
                }
                let erased = try await privacy.erase(household: owner.householdID, device: device, actor: .person(owner.id))
                return try JSONBody.response(["erased": erased])
            },
        ]
    }


    private func owner(_ request: Request, _ context: HearthRequestContext, _ purpose: String) async throws -> Member {
        try await sessions.owner(context.call(request), toDo: purpose, scope: "hub:admin")
    }
}
