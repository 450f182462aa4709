import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird

/// `POST /oauth/token` (RFC 6749 §3.2): authenticates the client, checks any DPoP proof, and
/// hands the request to its grant.
extension AuthorizationServer {
    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"
    static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let supportedGrants: Set<String> = [
        "authorization_code", "refresh_token", "client_credentials", deviceCodeGrant, tokenExchangeGrant,
    ]

    func token(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        let grantType = try form.required("grant_type")
        guard Self.supportedGrants.contains(grantType) else {
            throw OAuthError(.unsupportedGrantType, "this hub does not support that grant type")
        }
        let client = try await authenticateClient(form, request, context, endpoint: "/oauth/token")
        guard client.record.grantTypes.contains(grantType) else {
            throw OAuthError(.unauthorizedClient, "this client may not use this grant type")
        }
        let proof: VerifiedProof?
        do {
            proof = try await dpopProof(request, path: "/oauth/token", accessToken: nil)
        } catch let error as OAuthError {
            throw try await refuse(error, keys: [Self.sourceKey(context)], source: context.remoteIP, subject: "client:\(client.record.id)")
        }
        let response: Response
        switch grantType {
        case "authorization_code": response = try await redeemCode(form, client: client, proof: proof, context)
        case "refresh_token": response = try await refresh(form, client: client, proof: proof, context)
        case Self.deviceCodeGrant: response = try await collectDeviceToken(form, client: client, proof: proof, context)
        case "client_credentials": response = try await clientCredentials(form, client: client, proof: proof)
        case Self.tokenExchangeGrant: response = try await exchange(form, client: client, context)
        default: throw OAuthError(.unsupportedGrantType, "this hub does not support that grant type")
        }
        var headers = response.headers
        if proof != nil { headers[Self.dpopNonceHeader] = nonces.accepted(at: now)[0] }
        return Response(status: response.status, headers: headers, body: response.body)
    }

    static let dpopHeader = HTTPFields.Element.Name("DPoP")!
    static let dpopNonceHeader = HTTPFields.Element.Name("DPoP-Nonce")!

    /// The request's DPoP proof (RFC 9449 §4.3), verified for this endpoint, with a server nonce
    /// and a jti that was not seen before; nil when the request has none.
    func dpopProof(
        _ request: Request, path: String, accessToken: String?, requireNonce: Bool = true
    ) async throws -> VerifiedProof? {
        let headers = request.headers[values: Self.dpopHeader]
        guard !headers.isEmpty else { return nil }
        guard headers.count == 1, headers[0].utf8.count <= 8192 else {
            throw OAuthError(.invalidDPoPProof, "send exactly one DPoP proof")
        }
        let at = now
        let url = issuer.endpoint(path)
        let method = request.method.rawValue
        var verified: VerifiedProof?
        // Resource calls do not require a nonce here: the proof's short iat window and the jti
        // replay cache bound them.
        let candidates: [String?] = requireNonce ? nonces.accepted(at: at) : [nil]
        for nonce in candidates where verified == nil {
            do {
                verified = try dpop.verify(
                    proof: headers[0], method: method, url: url, accessToken: accessToken, expectedNonce: nonce, now: at)
            } catch let error as OAuthError where error.code == .useDPoPNonce {
                continue
            }
        }
        guard let verified else {
            throw DPoPNonceRequired(nonce: nonces.accepted(at: at)[0])
        }
        let until = Date(timeIntervalSince1970: TimeInterval(verified.iat)).addingTimeInterval(120)
        guard await dpopReplay.firstUse(jti: verified.jti, jkt: verified.jkt, until: until, now: at) else {
            throw OAuthError(.invalidDPoPProof, "this DPoP proof was used before")
        }
        return verified
    }

    /// The proof a grant needs when a token or code is bound to a DPoP key.
    static func requireProof(_ proof: VerifiedProof?, boundTo jkt: String?) throws {
        guard let jkt else { return }
        guard let proof else { throw OAuthError(.invalidDPoPProof, "this grant is bound to a DPoP key; send a DPoP proof") }
        guard proof.jkt == jkt else { throw OAuthError(.invalidDPoPProof, "the DPoP proof is signed by another key") }
    }

    /// Requested scopes (`scope`), which must lie within `allowed`; `allowed` when none asked.
    static func requestedScope(_ form: OAuthForm, within allowed: ScopeSet) throws -> ScopeSet {
        guard let text = form["scope"] else { return allowed }
        let asked = try ScopeSet(parsing: text)
        guard asked.isSubset(of: allowed) else { throw OAuthError(.invalidScope, "a requested scope is beyond what was granted") }
        return asked
    }
}

/// RFC 9449 §8: the proof lacked the current server nonce; the answer carries it.
struct DPoPNonceRequired: Error, HTTPResponseError {
    let nonce: String
    var status: HTTPResponse.Status { .badRequest }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try OAuthError(.useDPoPNonce, "retry with the nonce in the DPoP-Nonce header")
            .response(headers: [AuthorizationServer.dpopNonceHeader: nonce])
    }
}
