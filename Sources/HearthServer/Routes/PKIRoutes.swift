import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthStore
import Hummingbird
import NIOCore

/// The hub's CA over HTTPS.
///
/// Public, as relying parties need them without an account: `GET /v1/pki/ca` (root then
/// intermediates, PEM), `GET /v1/pki/crl/<issuer>.crl` (DER; `.pem` for PEM) and the RFC 6960
/// responder at `POST /v1/pki/ocsp` and `GET /v1/pki/ocsp/<base64 request>`.
/// For a household's owner: `GET /v1/pki/authorities`, `GET`/`POST /v1/pki/certificates` and
/// `POST /v1/pki/certificates/<serial>/revoke`.
struct PKIRoutes: Sendable {
    let pki: HubPKI
    let bodyLimit: Int
    let authenticator: SessionAuthenticator

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/pki/ca") { _, _ in
                pem(pki.authorities.bundlePEM(), type: "application/pem-certificate-chain")
            },
            Endpoint(.get, "/v1/pki/crl/:file") { _, context in try await crl(context.parameters.get("file") ?? "") },
            Endpoint(.post, "/v1/pki/ocsp") { request, context in
                if let length = request.headers[.contentLength].flatMap(Int.init), length > OCSPResponder.maximumRequestBytes {
                    throw Problem.bodyTooLarge
                }
                let body = try await request.body.collect(upTo: OCSPResponder.maximumRequestBytes)
                return ocsp(try await pki.ocspResponse(for: Array(body.readableBytesView)))
            },
            Endpoint(.get, "/v1/pki/ocsp/**") { request, context in
                // RFC 6960 appendix A.1: the URL-encoded base64 of the DER request follows the path.
                let encoded = request.uri.path.dropFirst("/v1/pki/ocsp/".count)
                guard encoded.utf8.count <= OCSPResponder.maximumRequestBytes * 2,
                      let text = String(encoded).removingPercentEncoding,
                      let der = Data(base64Encoded: text) ?? Base64URL.decode(text).map({ Data($0) })
                else { return ocsp(OCSPResponder.malformedRequest) }
                return ocsp(try await pki.ocspResponse(for: Array(der)))
            },
            Endpoint(.get, "/v1/pki/authorities") { request, context in
                let person = try await owner(request, context)
                let views = pki.authorities.intermediates.filter { $0.record.householdID == person.householdID.rawValue }
                    .map(AuthorityView.init)
                return try JSONBody.response(["authorities": [AuthorityView(pki.authorities.root)] + views])
            },
            Endpoint(.get, "/v1/pki/certificates") { request, context in try await list(request, context) },
            Endpoint(.post, "/v1/pki/certificates") { request, context in try await issue(request, context) },
            Endpoint(.post, "/v1/pki/certificates/:serial/revoke") { request, context in
                try await revoke(request, context, serial: context.parameters.get("serial") ?? "")
            },
        ]
    }

    private func owner(_ request: Request, _ context: HearthRequestContext) async throws -> Member {
        try await authenticator.owner(context.call(request), toDo: "manage certificates", scope: "ca:admin")
    }

    private func crl(_ file: String) async throws -> Response {
        let isPEM = file.hasSuffix(".pem")
        let id = file.hasSuffix(".crl") || isPEM ? String(file.dropLast(4)) : ""
        guard !id.isEmpty, id.utf8.count <= 128, let stored = try await pki.crl(issuer: id) else {
            throw Problem(.notFound, code: "not-found", detail: "no CRL for that issuer; use /v1/pki/crl/<issuer id>.crl")
        }
        if isPEM { return pem(CRLBuilder.pem(stored.der), type: "application/x-pem-file") }
        return Response(
            status: .ok, headers: [.contentType: "application/pkix-crl"],
            body: .init(byteBuffer: ByteBuffer(bytes: stored.der)))
    }

    private func ocsp(_ der: [UInt8]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/ocsp-response"],
            body: .init(byteBuffer: ByteBuffer(bytes: der)))
    }

    private func pem(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: owners

    struct IssueBody: Decodable {
        let csr: String
        let profile: String
        let deviceID: String?
        let name: String?
        let zone: String?
        let dnsNames: [String]?
        let lifetimeSeconds: Int64?

        enum CodingKeys: String, CodingKey {
            case csr, profile, name, zone
            case deviceID = "device_id"
            case dnsNames = "dns_names"
            case lifetimeSeconds = "lifetime_seconds"
        }
    }

    private func issue(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let person = try await owner(request, context)
        let body = try await JSONBody.decode(IssueBody.self, from: request, limit: bodyLimit)
        let order = try CertificateOrderInput(
            csrPEM: body.csr, profile: body.profile, deviceID: body.deviceID, name: body.name, zone: body.zone,
            dnsNames: body.dnsNames ?? [], lifetimeSeconds: body.lifetimeSeconds
        ).order(household: person.householdID)
        let issued = try await pki.issue(order, actor: .person(person.id))
        return try JSONBody.response(IssuedView(issued), status: .created)
    }

    private func list(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let person = try await owner(request, context)
        let parameters = QueryParameters(request)
        var query = CertificateQuery(
            householdID: person.householdID.rawValue, limit: try parameters.pageLimit(maximum: HubPKI.maximumCertificatePage))
        if let cursor = parameters.text("cursor") {
            guard let position = CertificatePosition(cursor: cursor) else {
                throw Problem(.badRequest, code: "invalid-query", detail: "cursor is not one this hub gave out (use next_cursor as it is)")
            }
            query.after = position
        }
        if let status = parameters.text("status") {
            guard let value = CertificateRecord.Status(rawValue: status) else {
                throw Problem(.badRequest, code: "invalid-query", detail: "status is valid or revoked")
            }
            query.status = value
        }
        query.deviceID = parameters.text("device")
        query.issuerID = parameters.text("issuer")
        if let seconds = try parameters.integer("expiring_within") {
            do {
                try query.expiring(within: TimeInterval(seconds), at: pki.store.clock.now)
            } catch let error as HearthError {
                throw Problem(.badRequest, code: "invalid-query", detail: "expiring_within: \(error.reason)")
            }
        }
        let page = try await pki.certificates(query)
        return try JSONBody.response(PagedBody(
            name: "certificates", items: page.certificates.map(CertificateView.init), nextCursor: page.next?.cursor))
    }

    struct RevokeBody: Decodable {
        let reason: String?
    }

    private func revoke(_ request: Request, _ context: HearthRequestContext, serial: String) async throws -> Response {
        let person = try await owner(request, context)
        let body = try await JSONBody.decode(RevokeBody.self, from: request, limit: bodyLimit)
        let reason = try RevocationReason.parse(body.reason ?? "unspecified")
        guard let bytes = Hex.decode(serial), bytes.count <= 20 else {
            throw Problem(.notFound, code: "not-found", detail: "no certificate with that serial")
        }
        let revoked = try await pki.revoke(
            .serial(bytes.hexString), reason: reason, household: person.householdID, actor: .person(person.id))
        return try JSONBody.response(["certificates": revoked.map(CertificateView.init)])
    }
}
