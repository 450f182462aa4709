import Foundation
import HearthAudit
import HearthCore
import HearthHub
import Hummingbird

/// The hub operator's: `GET /v1/hub`, `GET|POST /v1/households`,
/// `POST /v1/households/<id>/suspend|resume`, `DELETE /v1/households/<id>`. Only a hub-operator session may call them; it sees households
/// as a whole (names, states, counts), never what is in them.
struct HouseholdRoutes: Sendable {
    let households: HouseholdAdministration
    let bodyLimit: Int
    let sessions: SessionAuthenticator

    struct CreateBody: Decodable {
        let name: String
        let ownerEmail: String?

        enum CodingKeys: String, CodingKey {
            case name
            case ownerEmail = "owner_email"
        }
    }

    struct SuspendBody: Decodable { let reason: String? }

    struct Created: Encodable {
        let household: HouseholdSummaryView
        let ownerInvitation: InvitationView

        enum CodingKeys: String, CodingKey {
            case household
            case ownerInvitation = "owner_invitation"
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/hub") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(try await households.health())
            },
            Endpoint(.get, "/v1/households") { request, context in
                _ = try await sessions.hubOperator(context.call(request))
                return try JSONBody.response(["households": try await households.list().map(HouseholdSummaryView.init)])
            },
            Endpoint(.post, "/v1/households") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(CreateBody.self, from: request, limit: bodyLimit)
                let created = try await households.create(
                    name: body.name, ownerEmail: body.ownerEmail, actor: .person(caller.person.id))
                return try JSONBody.response(
                    Created(
                        household: HouseholdSummaryView(created.household),
                        ownerInvitation: InvitationView(created.invitation, status: .open, code: created.invitationCode)),
                    status: .created)
            },
            Endpoint(.post, "/v1/households/:id/suspend") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let body = try await JSONBody.decode(SuspendBody.self, from: request, limit: bodyLimit)
                let household = try await households.suspend(
                    try Self.id(context), reason: body.reason ?? "suspended by a hub operator", actor: .person(caller.person.id))
                return try JSONBody.response(HouseholdSummaryView(household))
            },
            Endpoint(.post, "/v1/households/:id/resume") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let household = try await households.resume(try Self.id(context), actor: .person(caller.person.id))
                return try JSONBody.response(HouseholdSummaryView(household))
            },
            Endpoint(.delete, "/v1/households/:id") { request, context in
                let caller = try await sessions.hubOperator(context.call(request))
                let deleted = try await households.delete(try Self.id(context), actor: .person(caller.person.id))
                return try JSONBody.response([
                    "certificates_revoked": deleted.certificatesRevoked, "tokens_revoked": deleted.tokensRevoked,
                    "people_erased": deleted.peopleErased, "audit_entries_redacted": deleted.auditEntriesRedacted,
                ])
            },
        ]
    }

    private static func id(_ context: HearthRequestContext) throws -> HouseholdID {
        guard let id = context.parameters.get("id").flatMap(HouseholdID.init) else {
            throw Problem(.notFound, code: "not-found", detail: "no such household")
        }
        return id
    }
}
