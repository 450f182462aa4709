import Foundation
import HearthCore
import HearthOAuth
import HearthStore

/// The token endpoint's operation (RFC 6749 §3.2): authenticates the client, checks any DPoP
/// proof, and hands the request to its grant.
extension AuthorizationServer {
    package static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"
    package static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    package static let supportedGrants: Set<String> = [
        "authorization_code", "refresh_token", "client_credentials", deviceCodeGrant, tokenExchangeGrant,
    ]

    /// What a grant answers: the token response, and the DPoP nonce to send with it when the
    /// request came with a proof.
    package struct GrantedTokens: Sendable {
        package let body: TokenResponseBody
        package let dpopNonce: String?
    }

    package func token(_ form: OAuthForm, _ call: CallContext) async throws -> GrantedTokens {
        try await tokenGate.run { try await grant(form, call) }
    }

    private func grant(_ form: OAuthForm, _ call: CallContext) async throws -> GrantedTokens {
        let grantType = try form.required("grant_type")
        guard Self.supportedGrants.contains(grantType) else {
            throw OAuthError(.unsupportedGrantType, "this hub does not support that grant type")
        }
        let client = try await authenticateClient(form, call, endpoint: "/oauth/token")
        guard client.record.grantTypes.contains(grantType) else {
            throw OAuthError(.unauthorizedClient, "this client may not use this grant type")
        }
        let proof: VerifiedProof?
        do {
            proof = try await dpopProof(call, path: "/oauth/token", accessToken: nil)
        } catch let error as OAuthError {
            throw try await refuse(error, keys: [Self.sourceKey(call)], source: call.source, subject: "client:\(client.record.id)")
        }
        let body: TokenResponseBody
        switch grantType {
        case "authorization_code": body = try await redeemCode(form, client: client, proof: proof, call)
        case "refresh_token": body = try await refresh(form, client: client, proof: proof, call)
        case Self.deviceCodeGrant: body = try await collectDeviceToken(form, client: client, proof: proof, call)
        case "client_credentials": body = try await clientCredentials(form, client: client, proof: proof)
        case Self.tokenExchangeGrant: body = try await exchange(form, client: client, call)
        default: throw OAuthError(.unsupportedGrantType, "this hub does not support that grant type")
        }
        return GrantedTokens(body: body, dpopNonce: proof != nil ? nonces.accepted(at: now)[0] : nil)
    }

    /// The call's DPoP proof (RFC 9449 §4.3), verified for this endpoint, with a server nonce
    /// and a jti that was not seen before; nil when the call has none.
    package func dpopProof(
        _ call: CallContext, path: String, accessToken: String?, requireNonce: Bool = true
    ) async throws -> VerifiedProof? {
        let proofs = call.dpopProofs
        guard !proofs.isEmpty else { return nil }
        guard proofs.count == 1, proofs[0].utf8.count <= 8192 else {
            throw OAuthError(.invalidDPoPProof, "send exactly one DPoP proof")
        }
        let at = now
        let url = issuer.endpoint(path)
        var verified: VerifiedProof?
        // Resource calls do not require a nonce here: the proof's short iat window and the jti
        // replay cache bound them.
        let candidates: [String?] = requireNonce ? nonces.accepted(at: at) : [nil]
        for nonce in candidates where verified == nil {
            do {
                verified = try dpop.verify(
                    proof: proofs[0], method: call.method, url: url, accessToken: accessToken, expectedNonce: nonce, now: at)
            } catch let error as OAuthError where error.code == .useDPoPNonce {
                continue
            }
        }
        guard let verified else {
            throw DPoPNonceRequired(nonce: nonces.accepted(at: at)[0])
        }
        try await refuseReplay(verified, now: at)
        return verified
    }

    /// A proof counts once: its `jti` is remembered until its `iat` window has closed — in this
    /// process (a replay here is refused without a write) and in the store, so a proof used on
    /// one node is refused on every other.
    package func refuseReplay(_ verified: VerifiedProof, now: Date) async throws {
        let until = Date(timeIntervalSince1970: TimeInterval(verified.iat)).addingTimeInterval(120)
        let used = OAuthError(.invalidDPoPProof, "this DPoP proof was used before")
        guard await dpopReplay.firstUse(jti: verified.jti, jkt: verified.jkt, until: until, now: now) else { throw used }
        guard try await store.write({ db in try await db.oauthGrants.useDPoPProof(jkt: verified.jkt, jti: verified.jti, until: until) })
        else { throw used }
    }

    /// The proof a grant needs when a token or code is bound to a DPoP key.
    package static func requireProof(_ proof: VerifiedProof?, boundTo jkt: String?) throws {
        guard let jkt else { return }
        guard let proof else { throw OAuthError(.invalidDPoPProof, "this grant is bound to a DPoP key; send a DPoP proof") }
        guard proof.jkt == jkt else { throw OAuthError(.invalidDPoPProof, "the DPoP proof is signed by another key") }
    }

    /// Requested scopes (`scope`), which must lie within `allowed`; `allowed` when none asked.
    package static func requestedScope(_ form: OAuthForm, within allowed: ScopeSet) throws -> ScopeSet {
        guard let text = form["scope"] else { return allowed }
        let asked = try ScopeSet(parsing: text)
        guard asked.isSubset(of: allowed) else { throw OAuthError(.invalidScope, "a requested scope is beyond what was granted") }
        return asked
    }
}

/// RFC 9449 §8: the proof lacked the current server nonce; the answer must carry this one.
package struct DPoPNonceRequired: Error, Sendable {
    package let nonce: String
}
