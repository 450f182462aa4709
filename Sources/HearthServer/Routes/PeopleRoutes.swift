import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import Hummingbird

/// A household's people, for its owners: `GET /v1/people`, invitations
/// (`POST|GET /v1/people/invitations`, `DELETE /v1/people/invitations/<id>`), roles
/// (`POST /v1/people/<id>/role`), removal (`DELETE /v1/people/<id>`), handing ownership over
/// (`POST /v1/people/<id>/ownership`); and, for whoever holds a code,
/// `POST /v1/invitations/accept`. Another household's person or invitation is "not found".
struct PeopleRoutes: Sendable {
    let people: PeopleService
    let invitations: InvitationAcceptance
    let bodyLimit: Int
    let sessions: SessionAuthenticator

    struct InvitationBody: Decodable {
        let email: String?
        let role: String
        let access: AccessView?
        /// Seconds the code stays valid (at most 7 days, the default).
        let expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case email, role, access
            case expiresIn = "expires_in"
        }
    }

    struct AcceptBody: Decodable {
        let code: String
        let email: String
        let password: String
        let totp: String?
        let deviceCookie: String?

        enum CodingKeys: String, CodingKey {
            case code, email, password, totp
            case deviceCookie = "device_cookie"
        }
    }

    struct RoleBody: Decodable {
        let role: String
        let access: AccessView?
    }

    struct Accepted: Encodable {
        let person: PersonView
        let newAccount: Bool
        let recoveryCodes: [String]?

        enum CodingKeys: String, CodingKey {
            case person
            case newAccount = "new_account"
            case recoveryCodes = "recovery_codes"
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/people") { request, context in
                let owner = try await owner(request, context, "list people")
                let members = try await people.members(household: owner.householdID)
                return try JSONBody.response(["people": members.map(PersonView.init)])
            },
            Endpoint(.post, "/v1/people/invitations") { request, context in
                let owner = try await owner(request, context, "invite people")
                let body = try await JSONBody.decode(InvitationBody.self, from: request, limit: bodyLimit)
                let lifetime = TimeInterval(body.expiresIn ?? Int(Invitation.longestLifetime))
                let (invitation, code) = try await people.invite(
                    .init(email: body.email, role: try Self.role(body.role), access: try body.access?.access() ?? .everything,
                          lifetime: lifetime),
                    household: owner.householdID, actor: .person(owner.id))
                return try JSONBody.response(InvitationView(invitation, status: .open, code: code), status: .created)
            },
            Endpoint(.get, "/v1/people/invitations") { request, context in
                let owner = try await owner(request, context, "list invitations")
                let now = people.store.clock.now
                let invitations = try await people.invitations(household: owner.householdID)
                return try JSONBody.response(["invitations": invitations.map { InvitationView($0, now: now) }])
            },
            Endpoint(.delete, "/v1/people/invitations/:id") { request, context in
                let owner = try await owner(request, context, "revoke invitations")
                guard let id = context.parameters.get("id").flatMap(InvitationID.init) else {
                    throw Problem(.notFound, code: "not-found", detail: "no such invitation in your household")
                }
                try await people.revokeInvitation(id, household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/invitations/accept") { request, context in
                let body = try await JSONBody.decode(AcceptBody.self, from: request, limit: bodyLimit)
                let accepted = try await invitations.accept(
                    code: body.code, email: body.email, password: body.password, secondFactor: body.totp,
                    deviceCookie: body.deviceCookie, source: context.remoteIP, logger: context.logger)
                return try JSONBody.response(
                    Accepted(
                        person: PersonView(accepted.member), newAccount: accepted.newAccount,
                        recoveryCodes: accepted.recoveryCodes.isEmpty ? nil : accepted.recoveryCodes),
                    status: .created)
            },
            Endpoint(.post, "/v1/people/:id/role") { request, context in
                let (owner, person) = try await ownerAndPerson(request, context, "change roles")
                let body = try await JSONBody.decode(RoleBody.self, from: request, limit: bodyLimit)
                _ = try await people.changeRole(
                    of: person, to: try Self.role(body.role), access: try body.access?.access() ?? .everything,
                    household: owner.householdID, actor: .person(owner.id))
                return try await shown(person, owner)
            },
            Endpoint(.delete, "/v1/people/:id") { request, context in
                let (owner, person) = try await ownerAndPerson(request, context, "remove people")
                try await people.remove(person, household: owner.householdID, actor: .person(owner.id))
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/people/:id/ownership") { request, context in
                let (owner, person) = try await ownerAndPerson(request, context, "hand ownership over")
                try await people.transferOwnership(from: owner.id, to: person, household: owner.householdID)
                return Response(status: .noContent)
            },
        ]
    }

    private func owner(_ request: Request, _ context: HearthRequestContext, _ purpose: String) async throws -> Member {
        try await sessions.owner(context.call(request), toDo: purpose, scope: "hub:admin")
    }

    private func ownerAndPerson(
        _ request: Request, _ context: HearthRequestContext, _ purpose: String
    ) async throws -> (Member, PersonID) {
        let owner = try await owner(request, context, purpose)
        guard let id = context.parameters.get("id").flatMap(PersonID.init) else { throw Self.noSuchPerson }
        return (owner, id)
    }

    private func shown(_ person: PersonID, _ owner: Member) async throws -> Response {
        guard let member = try await people.members(household: owner.householdID).first(where: { $0.id == person }) else {
            throw Self.noSuchPerson
        }
        return try JSONBody.response(PersonView(member))
    }

    static let noSuchPerson = Problem(.notFound, code: "not-found", detail: "no such person in your household")

    static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else {
            throw Problem(.unprocessableContent, code: "invalid-role", detail: "'role' is owner, member or guest")
        }
        return role
    }
}
