import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthFirmware
import HearthHub
import HearthPKI
import HearthStore
import Hummingbird
import NIOCore

/// Devices over HTTPS.
///
/// For people of the household (session token): `GET /v1/devices`, `GET /v1/devices/<id>`;
/// for owners: `POST /v1/devices/<id>/claim|move|quarantine|release|revoke|decommission`.
/// For a device, over mutual TLS with its certificate: `GET /v1/device` (its own record),
/// `PUT /v1/device/firmware` (what it runs: docs/firmware.md) and `POST /v1/certificates/renew`
/// (a CSR for a new key, as JSON `{"csr": PEM, "firmware": {…}}` or an `application/pkcs10` body
/// in PEM or DER).
struct DeviceRoutes: Sendable {
    let lifecycle: DeviceLifecycle
    let bodyLimit: Int
    var store: Store { lifecycle.pki.store }
    let sessions: SessionAuthenticator
    /// Detection's inbox (renewals are signals); nil with detection off.
    let signals: SignalInbox?
    /// The rollouts that offer devices their updates.
    let rollouts: Rollouts
    /// Where devices' firmware reports go.
    let posture: FirmwarePosture
    var devices: DeviceAuthenticator { DeviceAuthenticator(pki: lifecycle.pki) }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/devices") { request, context in
                let person = try await sessions.authenticate(context.call(request), scope: "devices:read").member
                let statuses = try await lifecycle.list(visibleTo: person)
                return try JSONBody.response(["devices": statuses.map { DeviceView($0) }])
            },
            Endpoint(.get, "/v1/devices/:id") { request, context in
                let (person, id) = try await allowed(.viewDevice, request, context)
                let (status, certificates) = try await lifecycle.show(id, household: person.householdID)
                return try JSONBody.response(DeviceView(status, certificates: certificates))
            },
            Endpoint(.post, "/v1/devices/:id/move") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                let body = try await JSONBody.decode(MoveBody.self, from: request, limit: bodyLimit)
                let zone = try Zone(body.zone)
                _ = try await lifecycle.move(id, to: zone, household: person.householdID, actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.post, "/v1/devices/:id/claim") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                let body = try await JSONBody.decode(ClaimBody.self, from: request, limit: bodyLimit)
                _ = try await lifecycle.claim(
                    id, zone: try Zone(body.zone), name: body.name ?? "claimed device", household: person.householdID,
                    actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.post, "/v1/devices/:id/quarantine") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                let body = try await JSONBody.decode(ReasonBody.self, from: request, limit: bodyLimit)
                _ = try await lifecycle.quarantine(
                    id, household: person.householdID, reason: body.reason ?? "quarantined by an owner", actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.post, "/v1/devices/:id/release") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                _ = try await lifecycle.release(id, household: person.householdID, actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.post, "/v1/devices/:id/revoke") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                let body = try await JSONBody.decode(ReasonBody.self, from: request, limit: bodyLimit)
                let reason = try RevocationReason.parse(body.reason ?? "unspecified")
                _ = try await lifecycle.revokeCertificates(
                    id, household: person.householdID, reason: reason, actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.post, "/v1/devices/:id/decommission") { request, context in
                let (person, id) = try await allowed(.manageDevice, request, context)
                _ = try await lifecycle.decommission(id, household: person.householdID, actor: .person(person.id))
                return try await shown(id, person)
            },
            Endpoint(.get, "/v1/device") { request, context in
                let caller = try await devices.authenticate(context.call(request))
                let decision = PolicyEngine.decide(
                    .device(caller.policyFacts, presenting: caller.facts), .readOwnRecord, .ownDevice,
                    PolicyContext(now: store.clock.now))
                guard decision.allowed else { throw Problem(.forbidden, code: decision.code, detail: decision.reason) }
                try await store.write { db in try await db.devices.markSeen(caller.device, at: db.clock.now) }
                let (status, _) = try await lifecycle.show(caller.device.id, household: caller.device.householdID)
                return try JSONBody.response(DeviceView(status))
            },
            Endpoint(.put, "/v1/device/firmware") { request, context in
                let caller = try await devices.authenticate(context.call(request))
                let report = try await JSONBody.decode(FirmwareReport.self, from: request, limit: bodyLimit)
                let verdict = try await posture.report(report, from: caller.device)
                return try JSONBody.response(["posture": verdict.posture.rawValue, "reason": verdict.reason])
            },
            Endpoint(.get, "/v1/device/update") { request, context in
                let caller = try await devices.authenticate(context.call(request))
                guard let offer = try await rollouts.offer(for: caller.device.id) else { return Response(status: .noContent) }
                return try JSONBody.response(Rollouts.UpdateOffer(campaign: offer.campaign, release: offer.release, rollback: offer.rollback))
            },
            Endpoint(.post, "/v1/certificates/renew") { request, context in
                let call = context.call(request)
                let caller = try await devices.authenticate(call)
                let (csr, firmware) = try await renewal(from: request)
                let reason = try QueryParameters(request).choice("reason", CertificateRenewal.Reason.self) ?? .scheduled
                let (issued, fresh) = try await CertificateRenewal(pki: lifecycle.pki, signals: signals).renew(
                    caller, csr: csr, reason: reason, source: call.source, firmware: firmware)
                if request.headers[.accept]?.contains("application/pem-certificate-chain") == true {
                    return Response(
                        status: fresh ? .created : .ok, headers: [.contentType: "application/pem-certificate-chain"],
                        body: .init(byteBuffer: ByteBuffer(string: issued.chainPEM)))
                }
                return try JSONBody.response(IssuedView(issued), status: fresh ? .created : .ok)
            },
        ]
    }

    struct MoveBody: Decodable { let zone: String }
    struct ClaimBody: Decodable {
        let zone: String
        let name: String?
    }
    struct ReasonBody: Decodable { let reason: String? }
    struct RenewBody: Decodable {
        let csr: String
        /// What the device runs now (docs/firmware.md): a device out of posture renews only with an update.
        let firmware: FirmwareReport?
    }

    /// The signed-in person and the device id in the path, once the policy allows `action`.
    /// Another household's device (or a malformed id) is "not found".
    private func allowed(
        _ action: PolicyAction, _ request: Request, _ context: HearthRequestContext
    ) async throws -> (Member, DeviceID) {
        let person = try await sessions.authenticate(context.call(request), scope: action.requiredScope).member
        let notFound = Problem(.notFound, code: "not-found", detail: "no such device in your household")
        guard let id = context.parameters.get("id").flatMap(DeviceID.init) else { throw notFound }
        guard let device = try await store.read({ db in try await db.devices.find(id) }) else { throw notFound }
        let decision = PolicyEngine.decide(
            .person(person.membership), action, .device(DeviceFacts(device)),
            PolicyContext(now: store.clock.now))
        guard decision.allowed else {
            if decision.code == "other-household" { throw notFound }
            throw Problem(.forbidden, code: decision.code, detail: decision.reason)
        }
        return (person, id)
    }

    private func shown(_ id: DeviceID, _ person: Member) async throws -> Response {
        let (status, _) = try await lifecycle.show(id, household: person.householdID)
        return try JSONBody.response(DeviceView(status))
    }

    /// The CSR of a renewal, and the firmware the device reports with it: JSON `{"csr": "<PEM>",
    /// "firmware": {…}}`, or the CSR itself as `application/pkcs10` (no report).
    private func renewal(from request: Request) async throws -> (CertificateRequest, FirmwareReport?) {
        let type = request.headers[.contentType].flatMap(MediaType.init(from:))
        guard type?.isType(MediaType(type: .application, subType: "pkcs10")) == true else {
            let body = try await JSONBody.decode(RenewBody.self, from: request, limit: bodyLimit)
            return (try CertificateRequest(pem: body.csr), body.firmware)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit { throw Problem.bodyTooLarge }
        let bytes = Array(try await request.body.collect(upTo: bodyLimit).readableBytesView)
        if bytes.first == 0x30 { return (try CertificateRequest(der: bytes), nil) }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw HearthError(.invalidInput, "the body is neither a PEM nor a DER certificate request")
        }
        return (try CertificateRequest(pem: text), nil)
    }
}

extension PolicyAction {
    /// The OAuth scope an app needs for the action on a device.
    var requiredScope: String { self == .viewDevice ? "devices:read" : "devices:manage" }
}
