import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthHub
import HearthStore
import Hummingbird

/// Detection's alerts and risk (docs/detection.md):
/// - for a household's owners: `GET /v1/alerts` (`?open=true`, `?limit=N`), `GET /v1/alerts/<id>`,
///   `POST /v1/alerts/<id>/ack` (lifts a block or rate limit it left; refuses a command it holds),
///   `POST /v1/alerts/<id>/approve` (`{"code": "<TOTP>"}`: delivers the command it holds), `GET /v1/risk`,
///   `GET /v1/checkup` (the hub's posture for the household);
/// - `GET`, `PUT` (`{"url": "https://…", "trust_roots_pem": "<private CA, optional>"}`: answers
///   the signing secret, once) and `DELETE`
///   `/v1/alerts/webhook`: where the household's alerts are posted;
/// - for a hub operator: `GET /v1/hub/alerts`, `POST /v1/hub/alerts/<id>/ack`,
///   `GET /v1/hub/risk` and `/v1/hub/alerts/webhook`, the hub-wide ones (strangers guessing at
///   the hub, in no household).
struct AlertRoutes: Sendable {
    let alerts: AlertService
    let webhooks: AlertWebhooks
    let held: HeldCommands
    let checkup: Checkup
    let sessions: SessionAuthenticator
    let bodyLimit: Int

    struct ApproveBody: Decodable { let code: String }
    struct WebhookBody: Decodable {
        let url: String
        /// PEM: the private CA an `https://` receiver's certificate chains to.
        let trustRootsPEM: String?

        enum CodingKeys: String, CodingKey {
            case url, trustRootsPEM = "trust_roots_pem"
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/alerts") { request, context in
                let owner = try await owner(request, context, "read the household's alerts")
                return try await list(request, household: owner.householdID)
            },
            Endpoint(.get, "/v1/alerts/:id") { request, context in
                let owner = try await owner(request, context, "read the household's alerts")
                return try JSONBody.response(try await alerts.show(try Self.id(context), household: owner.householdID))
            },
            Endpoint(.post, "/v1/alerts/:id/ack") { request, context in
                let owner = try await owner(request, context, "acknowledge alerts")
                let alert = try await alerts.acknowledge(try Self.id(context), household: owner.householdID, actor: .person(owner.id))
                return try JSONBody.response(alert)
            },
            Endpoint(.post, "/v1/alerts/:id/approve") { request, context in
                let call = context.call(request)
                let owner = try await sessions.owner(call, toDo: "approve held commands", scope: "hub:admin")
                let body = try await JSONBody.decode(ApproveBody.self, from: request, limit: bodyLimit)
                let command = try await held.approve(
                    alert: try Self.id(context), household: owner.householdID,
                    by: .owner(owner.person, code: body.code, source: call.source), actor: .person(owner.id))
                return try JSONBody.response(HeldCommandView(command))
            },
            Endpoint(.get, "/v1/risk") { request, context in
                let owner = try await owner(request, context, "read the household's risk scores")
                return try JSONBody.response(["risk": try await alerts.risk(household: owner.householdID).map(RiskView.init)])
            },
            Endpoint(.get, "/v1/checkup") { request, context in
                let owner = try await owner(request, context, "check the hub's posture")
                return try JSONBody.response(["findings": try await checkup.run(household: owner.householdID).map(CheckupView.init)])
            },
            Endpoint(.get, "/v1/hub/alerts") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try await list(request, household: nil)
            },
            Endpoint(.post, "/v1/hub/alerts/:id/ack") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let alert = try await alerts.acknowledge(try Self.id(context), household: nil, actor: .person(caller.person.id))
                return try JSONBody.response(alert)
            },
            Endpoint(.get, "/v1/hub/risk") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(["risk": try await alerts.risk(household: nil).map(RiskView.init)])
            },
        ] + webhookEndpoints
    }

    private var webhookEndpoints: [Endpoint] {
        let forHousehold = { @Sendable (request: Request, context: HearthRequestContext) async throws -> (HouseholdID?, AuditActor) in
            let owner = try await owner(request, context, "manage the household's alert webhook")
            return (owner.householdID, .person(owner.id))
        }
        let forHub = { @Sendable (request: Request, context: HearthRequestContext) async throws -> (HouseholdID?, AuditActor) in
            (nil, .person(try await sessions.hubOperator(context.call(request)).person.id))
        }
        return [("/v1/alerts/webhook", forHousehold), ("/v1/hub/alerts/webhook", forHub)].flatMap { path, caller in
            [
                Endpoint(.get, path) { request, context in
                    let (household, _) = try await caller(request, context)
                    return try JSONBody.response(try await webhooks.show(household: household))
                },
                Endpoint(.put, path) { request, context in
                    let (household, actor) = try await caller(request, context)
                    let body = try await JSONBody.decode(WebhookBody.self, from: request, limit: bodyLimit)
                    return try JSONBody.response(
                        try await webhooks.set(url: body.url, trustRootsPEM: body.trustRootsPEM, household: household, actor: actor))
                },
                Endpoint(.delete, path) { request, context in
                    let (household, actor) = try await caller(request, context)
                    try await webhooks.remove(household: household, actor: actor)
                    return Response(status: .noContent)
                },
            ]
        }
    }

    private func list(_ request: Request, household: HouseholdID?) async throws -> Response {
        let query = QueryParameters(request)
        let open = try query.choice("open", Flag.self) == .yes
        let limit = try query.integer("limit").map { Int(clamping: $0) } ?? 100
        guard (1...1000).contains(limit) else {
            throw Problem(.badRequest, code: "invalid-query", detail: "query parameter limit must be between 1 and 1000")
        }
        return try JSONBody.response(["alerts": try await alerts.list(household: household, openOnly: open, limit: limit)])
    }

    private enum Flag: String { case yes = "true", no = "false" }

    private func owner(_ request: Request, _ context: HearthRequestContext, _ purpose: String) async throws -> Member {
        try await sessions.owner(context.call(request), toDo: purpose, scope: "hub:admin")
    }

    private static func id(_ context: HearthRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), id.utf8.count <= 64 else {
            throw Problem(.notFound, code: "not-found", detail: "no such alert")
        }
        return id
    }
}

/// A held command in the API (its payload is never shown: it may be a code a lock takes).
struct HeldCommandView: Encodable {
    let id: String
    let alert: String
    let commander: String
    let device: String
    let topic: String
    let state: String
    let heldAt: String
    let expiresAt: String
    let decidedAt: String?
    let decidedBy: String?

    enum CodingKeys: String, CodingKey {
        case id, alert, commander, device, topic, state
        case heldAt = "held_at", expiresAt = "expires_at", decidedAt = "decided_at", decidedBy = "decided_by"
    }

    init(_ row: CommandRecords.HeldRow) {
        id = row.id
        alert = row.alertID
        commander = row.commander
        device = row.device.rawValue
        topic = row.topic
        state = row.state.rawValue
        heldAt = RFC3339.format(row.heldAt)
        expiresAt = RFC3339.format(row.expiresAt)
        decidedAt = row.decidedAt.map(RFC3339.format)
        decidedBy = row.decidedBy
    }
}

/// A checkup finding in the API.
struct CheckupView: Encodable {
    let check: String
    let severity: String
    let subject: String
    let detail: String
    let fix: String

    init(_ finding: CheckupFinding) {
        check = finding.check
        severity = finding.severity.rawValue
        subject = finding.subject
        detail = finding.detail
        fix = finding.fix
    }
}

/// A suspect's risk score in the API, with the findings that raised it.
struct RiskView: Encodable {
    struct Cause: Encodable {
        let kind: String
        let severity: String
        let summary: String
        let at: String
        let weight: Double
    }

    let suspect: String
    let score: Int
    let causes: [Cause]

    init(_ risk: RiskScore) {
        suspect = risk.suspect.description
        score = risk.score
        causes = risk.causes.map {
            Cause(kind: $0.kind.rawValue, severity: $0.severity.rawValue, summary: $0.summary, at: RFC3339.format($0.at),
                  weight: ($0.weight * 10).rounded() / 10)
        }
    }
}
