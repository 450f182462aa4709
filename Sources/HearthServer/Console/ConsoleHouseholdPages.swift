import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthHub
import HearthStore
import Logging
import HearthOAuth
import HearthPairing
import Hummingbird

/// The owners' pages: pairing, people, apps and the audit log (with the proofs the browser
/// checks). Each action is the same application-service call as the API's.
struct ConsoleHouseholdPages: Sendable {
    let console: ConsoleAdapter
    var hub: HubServices { console.hub }
    var renderer: ConsoleRenderer { console.renderer }

    var endpoints: [Endpoint] {
        let owner = PolicyAction.administerHousehold
        return [
            Endpoint(.get, "/console/pairing") { request, _ in await console.page(request, owner) { try await pairing($0) } },
            Endpoint(.post, "/console/pairing/:step") { request, context in
                await console.action(request, owner) { caller, form in
                    try await pairingStep(context.parameters.get("step") ?? "", form, caller)
                }
            },
            Endpoint(.get, "/console/people") { request, _ in await console.page(request, owner) { try await people($0) } },
            Endpoint(.post, "/console/people/invite") { request, _ in
                await console.action(request, owner) { caller, form in try await invite(form, caller) }
            },
            Endpoint(.post, "/console/people/:id/:change") { request, context in
                await console.action(request, owner) { caller, form in
                    try await changePerson(context.parameters.get("id") ?? "", context.parameters.get("change") ?? "", form, caller)
                }
            },
            Endpoint(.post, "/console/people/invitations/:id/revoke") { request, context in
                await console.action(request, owner) { caller, form in
                    guard let id = context.parameters.get("id").flatMap(InvitationID.init) else {
                        throw HearthError(.notFound, "no such invitation in your household")
                    }
                    if let ask = console.confirmation(
                        form, question: "Revoke this invitation? Its code stops working.", confirmLabel: "Yes, revoke",
                        action: "/console/people/invitations/\(id.rawValue)/revoke", back: "/console/people", caller: caller)
                    { return ask }
                    try await hub.people.revokeInvitation(id, household: caller.member.householdID, actor: .person(caller.member.id))
                    return ConsoleRenderer.redirect("/console/people")
                }
            },
            Endpoint(.get, "/console/apps") { request, _ in await console.page(request, owner) { try await apps($0) } },
            Endpoint(.post, "/console/apps/integrations") { request, _ in
                await console.action(request, owner) { caller, form in try await registerIntegration(request, form, caller) }
            },
            Endpoint(.post, "/console/apps/:kind/:id/revoke") { request, context in
                await console.action(request, owner) { caller, form in
                    try await revokeApp(context.parameters.get("kind") ?? "", context.parameters.get("id") ?? "", form, caller)
                }
            },
            Endpoint(.get, "/console/audit") { request, _ in await console.page(request, owner) { try await audit(request, $0) } },
            Endpoint(.get, "/console/audit/proof") { request, _ in await proof(request) },
        ]
    }

    // MARK: pairing

    private func pairing(_ caller: ConsoleCaller, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let household = caller.member.householdID
        let pairing = try await hub.dashboard.pairing(for: caller.member)
        let (expected, roots, zones) = try await (
            hub.pairing.expectations(household: household), hub.pairing.manufacturerRoots(),
            hub.store.read { db in try await db.households.zones(of: household) })
        let now = hub.store.clock.now
        let values: [String: Any] = [
            "live": "pairing", "livePath": "/console/pairing", "error": error as Any,
            "windowOpen": pairing.windowClosesAt != nil,
            "closesAt": pairing.windowClosesAt.map(RFC3339.format) ?? "",
            "secondsLeft": pairing.windowClosesAt.map { max(0, Int($0.timeIntervalSince(now))) } ?? 0,
            "hasRequests": !pairing.requests.isEmpty,
            "requests": pairing.requests.map { request -> [String: Any] in
                [
                    "id": request.id, "arrived": ConsoleRenderer.time(request.createdAt), "source": request.source,
                    "expires": ConsoleRenderer.time(request.expiresAt), "confirmed": request.deviceNonce != nil,
                ]
            },
            "zones": zones.map(\.name),
            "hasExpected": !expected.isEmpty,
            "expected": expected.map { record -> [String: Any] in
                ["name": record.name, "zone": record.zone, "until": ConsoleRenderer.time(record.expiresAt), "used": record.deviceID ?? "no"]
            },
            "hasRoots": !roots.isEmpty,
            "roots": roots.map { ["name": $0.name, "id": $0.id, "added": ConsoleRenderer.time($0.addedAt)] },
        ]
        return renderer.page("pairing", title: "Pairing", nav: "pairing", signedIn: caller, values: values, status: status)
    }

    private func pairingStep(_ step: String, _ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        let household = caller.member.householdID
        let actor = AuditActor.person(caller.member.id)
        do {
            switch step {
            case "open":
                let minutes = Int(form["minutes"] ?? "10") ?? 0
                _ = try await hub.pairing.openWindow(household: household, minutes: minutes, actor: actor)
            case "close":
                _ = try await hub.pairing.closeWindow(household: household, actor: actor)
            case "approve":
                let code = try UserCode(typed: try ConsoleAdapter.required(form, "user_code", "the code"))
                let issued = try await hub.pairing.approve(
                    userCode: code, verify: try ConsoleAdapter.required(form, "verify", "the verification value"),
                    household: household, zone: try Zone(try ConsoleAdapter.required(form, "zone", "the zone")),
                    name: try ConsoleAdapter.required(form, "name", "a name"), actor: actor)
                return ConsoleRenderer.redirect("/console/devices/\(issued.record.deviceID ?? "")")
            case "deny":
                try await hub.pairing.deny(
                    userCode: try UserCode(typed: try ConsoleAdapter.required(form, "user_code", "the code")),
                    household: household, actor: actor)
            case "expected":
                let zone = try Zone(form["zone"] ?? "default")
                let name = form["name"] ?? "expected device"
                let minutes = Int(form["minutes"] ?? "60") ?? 0
                switch (form["secret"], form["serial"]) {
                case (let secret?, nil):
                    _ = try await hub.pairing.expect(
                        secret: try SetupSecret(text: secret), household: household, zone: zone, name: name, minutes: minutes,
                        actor: actor)
                case (nil, let serial?):
                    _ = try await hub.pairing.expectAttested(
                        serial: serial, household: household, zone: zone, name: name, minutes: minutes, actor: actor)
                default:
                    throw HearthError(.invalidInput, "give either a setup secret or a serial number")
                }
            default:
                throw HearthError(.notFound, "no such pairing step")
            }
        } catch let error as HearthError where error.code.category != .unauthenticated {
            // Shown on the pairing page itself, so the owner can correct what they typed.
            return try await pairing(caller, error: error.reason, status: Problem.status(for: error))
        }
        return ConsoleRenderer.redirect("/console/pairing")
    }

    // MARK: people

    private func people(_ caller: ConsoleCaller, invitationCode: String? = nil) async throws -> Response {
        let household = caller.member.householdID
        let members = try await hub.people.members(household: household)
        let now = hub.store.clock.now
        let invitations = try await hub.people.invitations(household: household).filter { $0.status(at: now) == .open }
        let values: [String: Any] = [
            "invitationCode": invitationCode as Any,
            "members": members.map { member -> [String: Any] in
                [
                    "id": member.id.rawValue, "email": member.email.rawValue, "role": member.role.rawValue,
                    "access": Self.describe(member.access), "isSelf": member.id == caller.member.id,
                    "roleOptions": ConsoleRenderer.options(Role.allCases.map(\.rawValue), selected: member.role.rawValue),
                ]
            },
            "hasInvitations": !invitations.isEmpty,
            "invitations": invitations.map { stored -> [String: Any] in
                [
                    "id": stored.invitation.id.rawValue, "role": stored.invitation.role.rawValue,
                    "email": stored.invitation.email?.rawValue ?? "(anyone with the code)",
                    "until": ConsoleRenderer.time(stored.invitation.expiresAt),
                ]
            },
        ]
        return renderer.page("people", title: "People", nav: "people", signedIn: caller, values: values)
    }

    static func describe(_ access: DeviceAccess) -> String {
        var parts: [String] = []
        parts.append(access.zones.map { "zones " + $0.map(\.name).sorted().joined(separator: ", ") } ?? (access.devices.isEmpty ? "every device" : ""))
        if !access.devices.isEmpty { parts.append("\(access.devices.count) named devices") }
        if let starts = access.startsAt { parts.append("from " + ConsoleRenderer.time(starts)) }
        if let ends = access.endsAt { parts.append("until " + ConsoleRenderer.time(ends)) }
        if let hours = access.hours { parts.append("\(hours.daysText) \(hours.hoursText) \(hours.timeZone)") }
        return parts.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// A `datetime-local` value, read as UTC.
    static func time(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text.count == 16 ? text + ":00Z" : text.hasSuffix("Z") ? text : text + "Z"
    }

    private func access(_ form: OAuthForm) throws -> DeviceAccess {
        let zones = form["zones"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        return try AccessView(
            zones: zones?.isEmpty == false ? zones : nil, startsAt: Self.time(form["starts_at"]), until: Self.time(form["until"])
        ).access()
    }

    private func invite(_ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        guard let role = Role(rawValue: form["role"] ?? "") else { throw HearthError(.invalidInput, "choose owner, member or guest") }
        let (_, code) = try await hub.people.invite(
            .init(email: form["email"], role: role, access: try access(form)), household: caller.member.householdID,
            actor: .person(caller.member.id))
        return try await people(caller, invitationCode: code)
    }

    private func changePerson(_ idText: String, _ change: String, _ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        guard let id = PersonID(idText) else { throw HearthError(.notFound, "no such person in your household") }
        let household = caller.member.householdID
        let actor = AuditActor.person(caller.member.id)
        switch change {
        case "role":
            guard let role = Role(rawValue: form["role"] ?? "") else { throw HearthError(.invalidInput, "choose owner, member or guest") }
            let current = try await hub.people.members(household: household).first { $0.id == id }
            _ = try await hub.people.changeRole(
                of: id, to: role, access: role == .owner ? .everything : current?.access ?? .everything, household: household,
                actor: actor)
        case "remove":
            if let ask = console.confirmation(
                form, question: "Remove this person from the household? Their sessions, apps' grants and tokens end at once.",
                confirmLabel: "Yes, remove", action: "/console/people/\(id.rawValue)/remove", back: "/console/people", caller: caller)
            { return ask }
            try await hub.people.remove(id, household: household, actor: actor)
        default:
            throw HearthError(.notFound, "no such change")
        }
        return ConsoleRenderer.redirect("/console/people")
    }

    // MARK: apps

    private func apps(_ caller: ConsoleCaller) async throws -> Response {
        let (clients, grants) = try await hub.clients.listing(household: caller.member.householdID)
        let values: [String: Any] = [
            "hasClients": !clients.isEmpty,
            "clients": clients.map { client -> [String: Any] in
                [
                    "id": client.id, "name": client.name, "auth": client.authMethod.rawValue,
                    "created": ConsoleRenderer.time(client.createdAt), "active": client.revokedAt == nil,
                    "state": client.revokedAt.map { "revoked " + ConsoleRenderer.time($0) } ?? "active",
                ]
            },
            "hasGrants": !grants.isEmpty,
            "grants": grants.filter { $0.0.revokedAt == nil }.map { grant, name -> [String: Any] in
                [
                    "id": grant.id, "client": name ?? grant.clientID, "subject": grant.subject, "scope": grant.scope,
                    "created": ConsoleRenderer.time(grant.createdAt), "lastUsed": ConsoleRenderer.time(grant.lastUsedAt),
                ]
            },
        ]
        return renderer.page("apps", title: "Apps", nav: "apps", signedIn: caller, values: values)
    }

    private func registerIntegration(_ request: Request, _ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        let registered = try await hub.integrations.register(
            .init(name: form["name"].flatMap { $0.isEmpty ? nil : $0 } ?? "Home Assistant",
                  scope: try ConsoleAdapter.required(form, "scope", "the scopes")),
            owner: caller.member.id, household: caller.member.householdID, actor: .person(caller.member.id))
        let integration = registered.integration
        let values: [String: Any] = [
            "id": integration.client, "scope": integration.scope,
            "notAfter": integration.certificate.map { ConsoleRenderer.time($0.notAfter) } ?? "",
            "broker": request.head.authority.map { String($0.split(separator: ":").first ?? Substring($0)) } ?? "the hub's name",
            "port": hub.configuration.mqtt.flatMap { $0.port == 0 ? nil : String($0.port) } ?? "the hub's MQTT port (8883 by default)",
            "ca": registered.rootPEM, "certificate": registered.certificateChainPEM, "key": registered.privateKeyPEM as Any,
        ]
        return renderer.page("integration", title: "Home Assistant registered", nav: "apps", signedIn: caller, values: values)
    }

    private func revokeApp(_ kind: String, _ id: String, _ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        guard kind == "clients" || kind == "grants", id.utf8.count <= 128 else { throw HearthError(.notFound, "no such app") }
        let question = kind == "clients"
            ? "Revoke this app? Every grant and token it holds ends, and it can no longer sign in."
            : "Revoke this grant? The app's tokens under it end at once."
        if let ask = console.confirmation(
            form, question: question, confirmLabel: "Yes, revoke", action: "/console/apps/\(kind)/\(id)/revoke",
            back: "/console/apps", caller: caller)
        { return ask }
        let household = caller.member.householdID
        let actor = AuditActor.person(caller.member.id)
        if kind == "clients" {
            try await hub.clients.revokeClient(id, household: household, actor: actor)
        } else {
            try await hub.clients.revokeGrant(id, household: household, actor: actor)
        }
        return ConsoleRenderer.redirect("/console/apps")
    }

    // MARK: audit

    static let auditPageSize = 50

    private func audit(_ request: Request, _ caller: ConsoleCaller) async throws -> Response {
        let parameters = try OAuthForm(parsing: request.uri.query ?? "")
        func filter(_ name: String) -> String? { parameters[name].map { String($0.trimmingCharacters(in: .whitespaces).prefix(200)) } }
        let page = try await hub.dashboard.audit(
            AuditQuery(
                actor: filter("actor"), subject: filter("subject"), action: filter("action"),
                beforeIndex: parameters["cursor"].flatMap(Int64.init), limit: Self.auditPageSize),
            for: caller.member)
        var older: Any = false
        if let cursor = page.nextCursor {
            var pairs: [(String, String)] = []
            for name in ["action", "subject", "actor"] { if let value = filter(name) { pairs.append((name, value)) } }
            pairs.append(("cursor", String(cursor)))
            older = "/console/audit?" + OAuthForm.encode(pairs)
        }
        let values: [String: Any] = [
            "action": filter("action") ?? "", "subject": filter("subject") ?? "", "actor": filter("actor") ?? "",
            "key": hub.checkpointer.signer.verifierKey.description,
            "entries": page.entries.map { AuditRow($0).values }, "older": older,
        ]
        return renderer.page("audit", title: "Audit log", nav: "audit", signedIn: caller, values: values)
    }

    /// The inclusion proof of one of the household's entries against the newest checkpoint
    /// (signed now if none covers it yet), as JSON for the page's script.
    private func proof(_ request: Request) async -> Response {
        do {
            let caller = try await console.signedIn(request, .administerHousehold)
            guard let index = (try OAuthForm(parsing: request.uri.query ?? ""))["index"].flatMap(Int64.init) else {
                throw HearthError(.invalidInput, "index is required")
            }
            let proof = try await hub.dashboard.inclusionProof(index: index, for: caller.member, checkpointer: hub.checkpointer)
            var response = try JSONBody.response(ProofView(
                index: proof.index, size: proof.size, auditPath: proof.auditPath.map(\.base64), checkpoint: proof.checkpointNote))
            for field in ConsoleRenderer.headers(contentType: "application/json") where field.name != .contentType {
                response.headers[field.name] = field.value
            }
            return response
        } catch let error as HearthError where error.code.category == .unauthenticated {
            return renderer.message(title: "Sign in first", detail: nil, status: .unauthorized, signedIn: nil, back: "/console/sign-in", backLabel: "Sign in")
        } catch {
            return console.refusal(error, signedIn: nil)
        }
    }

    struct ProofView: Encodable {
        let index: Int64
        let size: Int64
        let auditPath: [String]
        let checkpoint: String

        enum CodingKeys: String, CodingKey {
            case index, size, checkpoint
            case auditPath = "audit_path"
        }
    }
}
