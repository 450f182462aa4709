import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthHub
import Hummingbird
import NIOCore

/// Firmware (docs/firmware.md):
/// - the TUF repository, open to any client (TUF, not the transport, makes it safe):
///   `GET /tuf/metadata/<file>` (`<version>.<role>.json`, `timestamp.json`, `<role>.json`) and
///   `GET /tuf/targets/<model>/<sha256>.<file>` (consistent-snapshot target names);
/// - for a hub operator: `GET`/`POST /v1/hub/firmware/makers`, `PATCH /v1/hub/firmware/makers/<id>`,
///   `PUT /v1/hub/firmware/images/<sha256>` (the image's bytes), `POST
///   /v1/hub/firmware/makers/<id>/metadata` (the maker's signed targets metadata: publishes its
///   new releases), `POST /v1/hub/firmware/releases/<model>/<version>/withdraw`, `POST
///   /v1/hub/firmware/repository/rotate` (`{"role": …}`);
/// - for a hub operator, rollouts: `POST /v1/hub/firmware/campaigns` (`{"model", "version", "cohorts",
///   "soak_seconds", "gate_seconds", "maximum_reconnects", "failure_threshold", "rollback_to",
///   "rollback_override"}`), `GET /v1/hub/firmware/campaigns[/<id>]`;
/// - for an owner or operator: `GET /v1/firmware/releases` (`?model=`);
/// - for an owner: `GET /v1/firmware/posture` (the rules and every device's verdict), `PUT
///   /v1/firmware/posture/rules` (`{"scope": "household"|"zone"|"model", "value", "minimum_security_version",
///   "restriction": "update-only"|"quarantine"}`), `DELETE /v1/firmware/posture/rules?scope=…&value=…`.
struct FirmwareRoutes: Sendable {
    let firmware: FirmwareService
    let posture: FirmwarePosture
    let rollouts: Rollouts
    let sessions: SessionAuthenticator
    let bodyLimit: Int

    struct MakerBody: Decodable {
        let id: String
        let name: String
        /// Each a TUF key object, or a PEM public key (Ed25519 or P-256).
        let keys: [KeyInput]
        let threshold: Int?
        let models: [String]
    }

    struct MakerChange: Decodable {
        let addKeys: [KeyInput]?
        let removeKeys: [String]?
        let addModels: [String]?
        enum CodingKeys: String, CodingKey { case addKeys = "add_keys", removeKeys = "remove_keys", addModels = "add_models" }
    }

    struct WithdrawBody: Decodable { let reason: String }
    struct RuleBody: Decodable {
        let scope: String
        let value: String?
        let minimumSecurityVersion: Int64
        let restriction: String?
        enum CodingKeys: String, CodingKey { case scope, value, minimumSecurityVersion = "minimum_security_version", restriction }
    }
    struct RotateBody: Decodable { let role: String }
    struct CampaignBody: Decodable {
        let model: String
        let version: String
        let cohorts: [Double]?
        let soakSeconds: Double?
        let gateSeconds: Double?
        let maximumReconnects: Int?
        let failureThreshold: Double?
        let rollbackTo: String?
        let rollbackOverride: Bool?
        enum CodingKeys: String, CodingKey {
            case model, version, cohorts, soakSeconds = "soak_seconds", gateSeconds = "gate_seconds"
            case maximumReconnects = "maximum_reconnects", failureThreshold = "failure_threshold", rollbackTo = "rollback_to"
            case rollbackOverride = "rollback_override"
        }

        var settings: Rollouts.Settings {
            var settings = Rollouts.Settings()
            if let cohorts { settings.cohorts = cohorts }
            if let soakSeconds { settings.soak = soakSeconds }
            if let gateSeconds { settings.gate = gateSeconds }
            if let maximumReconnects { settings.maximumReconnects = maximumReconnects }
            if let failureThreshold { settings.failureThreshold = failureThreshold }
            settings.rollbackTo = rollbackTo
            settings.rollbackOverride = rollbackOverride ?? false
            return settings
        }
    }

    /// A maker's key as sent: TUF's key object, or a PEM public key.
    struct KeyInput: Decodable {
        let key: TUFKey
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            do {
                if let pem = try? container.decode(String.self) {
                    key = try MakerKeys.publicKey(pem: pem)
                } else {
                    key = try TUFKey(json: try container.decode(JSONValue.self))
                }
            } catch let error as TUFError {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/tuf/metadata/:file") { _, context in
                guard let name = context.parameters.get("file"), let body = try await firmware.repository.file(name) else {
                    throw Problem(.notFound, code: "not-found", detail: "no such metadata file")
                }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
            },
            Endpoint(.get, "/tuf/targets/:model/:file") { _, context in
                guard let model = context.parameters.get("model"), let file = context.parameters.get("file"),
                      let bytes = try await firmware.target(model: model, file: file)
                else { throw Problem(.notFound, code: "not-found", detail: "no such target") }
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            },
            Endpoint(.get, "/v1/hub/firmware/makers") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(["makers": try await firmware.makers()])
            },
            Endpoint(.post, "/v1/hub/firmware/makers") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(MakerBody.self, from: request, limit: bodyLimit)
                let maker = try await firmware.registerMaker(
                    id: body.id, name: body.name, keys: body.keys.map(\.key), threshold: body.threshold ?? 1, models: body.models,
                    actor: .person(caller.person.id))
                return try JSONBody.response(maker, status: .created)
            },
            Endpoint(.patch, "/v1/hub/firmware/makers/:id") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(MakerChange.self, from: request, limit: bodyLimit)
                return try JSONBody.response(try await firmware.changeMaker(
                    try Self.parameter(context, "id"), addKeys: (body.addKeys ?? []).map(\.key), removeKeyIDs: body.removeKeys ?? [],
                    addModels: body.addModels ?? [], actor: .person(caller.person.id)))
            },
            Endpoint(.put, "/v1/hub/firmware/images/:sha256") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                let limit = FirmwareImages.maximumSize
                if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Problem.bodyTooLarge }
                let bytes = Array(try await request.body.collect(upTo: limit).readableBytesView)
                let stored = try await firmware.images.put(bytes, expected: try Self.parameter(context, "sha256"))
                return try JSONBody.response(stored, status: stored.created ? .created : .ok)
            },
            Endpoint(.post, "/v1/hub/firmware/makers/:id/metadata") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let bytes = try await JSONBody.raw(from: request, limit: SignedMetadata.maximumSize)
                let added = try await firmware.publish(
                    maker: try Self.parameter(context, "id"), metadata: bytes, actor: .person(caller.person.id))
                return try JSONBody.response(["published": added], status: .created)
            },
            Endpoint(.post, "/v1/hub/firmware/releases/:model/:version/withdraw") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(WithdrawBody.self, from: request, limit: bodyLimit)
                return try JSONBody.response(try await firmware.withdraw(
                    model: try Self.parameter(context, "model"), version: try Self.parameter(context, "version"), reason: body.reason,
                    actor: .person(caller.person.id)))
            },
            Endpoint(.post, "/v1/hub/firmware/repository/rotate") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(RotateBody.self, from: request, limit: bodyLimit)
                let keyID = try await firmware.repository.rotate(body.role, actor: .person(caller.person.id))
                return try JSONBody.response(["role": body.role, "key_id": keyID])
            },
            Endpoint(.post, "/v1/hub/firmware/campaigns") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(CampaignBody.self, from: request, limit: bodyLimit)
                let campaign = try await rollouts.start(
                    model: body.model, version: body.version, settings: body.settings, actor: .person(caller.person.id))
                return try JSONBody.response(campaign, status: .created)
            },
            Endpoint(.get, "/v1/hub/firmware/campaigns") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(["campaigns": try await rollouts.list()])
            },
            Endpoint(.get, "/v1/hub/firmware/campaigns/:id") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(try await rollouts.show(try Self.parameter(context, "id")))
            },
            Endpoint(.get, "/v1/firmware/posture") { request, context in
                let owner = try await sessions.owner(context.call(request), toDo: "see the devices' firmware posture", scope: "devices:read")
                return try JSONBody.response(try await posture.overview(household: owner.householdID))
            },
            Endpoint(.put, "/v1/firmware/posture/rules") { request, context in
                let owner = try await sessions.owner(context.call(request), toDo: "set firmware requirements", scope: "devices:manage")
                let body = try await JSONBody.decode(RuleBody.self, from: request, limit: bodyLimit)
                let rule = PostureRule(
                    scope: try Self.scope(body.scope, body.value), minimumSecurityVersion: body.minimumSecurityVersion,
                    restriction: try Self.restriction(body.restriction))
                return try JSONBody.response(try await posture.setRule(rule, household: owner.householdID, actor: .person(owner.id)))
            },
            Endpoint(.delete, "/v1/firmware/posture/rules") { request, context in
                let owner = try await sessions.owner(context.call(request), toDo: "remove firmware requirements", scope: "devices:manage")
                let query = request.uri.queryParameters
                let scope = try Self.scope(query.get("scope") ?? "", query.get("value"))
                return try JSONBody.response(try await posture.removeRule(scope, household: owner.householdID, actor: .person(owner.id)))
            },
            Endpoint(.get, "/v1/firmware/releases") { request, context in
                let caller = try await sessions.identify(context.call(request))
                guard caller.isOperator || caller.member?.role == .owner else {
                    throw HearthError(.forbidden, code: "owner-required", "only an owner or a hub operator sees the firmware releases")
                }
                let model = request.uri.queryParameters.get("model")
                return try JSONBody.response(["releases": try await firmware.releases(model: model)])
            },
        ]
    }

    static func scope(_ kind: String, _ value: String?) throws -> PostureRule.Scope {
        guard let scope = PostureRule.Scope(kind: kind, value: value ?? ""), kind == "household" || !(value ?? "").isEmpty else {
            throw HearthError(.invalidInput, "a rule's scope is household, or zone or model with a value")
        }
        return scope
    }

    static func restriction(_ text: String?) throws -> PostureRule.Restriction {
        guard let restriction = PostureRule.Restriction(rawValue: text ?? "update-only") else {
            throw HearthError(.invalidInput, "a rule's restriction is update-only or quarantine")
        }
        return restriction
    }

    private static func parameter(_ context: HearthRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), value.utf8.count <= 128 else {
            throw Problem(.notFound, code: "not-found", detail: "no such \(name)")
        }
        return value
    }
}
