import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird
import NIOSSL

/// The resource-server side for `/v1`: an access token in `Authorization: Bearer …` or, when it
/// is DPoP-bound, `Authorization: DPoP …` with a proof over this request (RFC 9449 §7); a
/// certificate-bound token only on a connection with that certificate (RFC 8705 §3). The store
/// says whether the token is still live, so a revocation takes effect on the next call.
struct AccessTokenVerifier: Sendable {
    let server: AuthorizationServer
    /// Refusals per source, only to stop auditing a flood; separate from the token endpoint's
    /// back-off, which a client's bad calls to `/v1` must not trigger.
    let refusals: SignInThrottle

    struct Verified: Sendable {
        let claims: AccessTokenClaims
        let scopes: ScopeSet
    }

    /// Verifies the token. A refusal other than expiry is audited — until the source has failed
    /// often enough to be backed off, after which it is only counted, so a stream of forged tokens
    /// cannot flood the log. The answer stays 401 either way: a throttled source does not lock
    /// out the other clients behind the same address.
    func verify(scheme: String, token: String, _ request: Request, _ context: HearthRequestContext) async throws -> Verified {
        do {
            return try await check(scheme: scheme, token: token, request, context)
        } catch let refusal as Refusal {
            if !refusal.routine {
                try await audit(refusal: refusal.problem.detail, source: context.remoteIP, endpoint: request.uri.path)
            }
            throw refusal.problem
        }
    }

    /// Audits a refused token — until `source` has failed often enough to be backed off, after
    /// which refusals are only counted.
    func audit(refusal detail: String, source: String?, endpoint: String) async throws {
        let keys = ["oauth-source:" + (source ?? "unknown")]
        let audit = await refusals.retryAfter(keys) == 0
        await refusals.recordFailure(keys)
        guard audit else { return }
        try await server.store.write { db in
            try await db.audit.append(AuditEvent(
                .oauthTokenRefused, actor: .anonymous(address: source), subject: "access-token:presented",
                household: nil, reason: detail, details: ["endpoint": endpoint, "error": "invalid_token"]))
        }
    }

    /// The claims of a token signed by one of this hub's keys, for this hub, unexpired; the
    /// caller still checks its binding and whether it was revoked (``isActive(_:)``).
    func signedClaims(_ token: String, dpop: Bool) async throws -> AccessTokenClaims {
        do {
            return try await server.keyring.current().verify(
                token, issuer: server.issuer.url, audience: server.issuer.url, now: server.now)
        } catch let error as OAuthError {
            throw Refusal(problem: Self.invalid(error.description, dpop: dpop), routine: error == TokenSigner.expired)
        }
    }

    /// Whether the store still holds the token as live (not revoked, nor its grant or client).
    func isActive(_ claims: AccessTokenClaims) async throws -> Bool {
        let at = server.now
        return try await server.store.read { db in try await db.oauthGrants.isAccessTokenActive(jti: claims.jti, at: at) }
    }

    /// A refusal, and whether it is routine (an expired token) rather than evidence.
    struct Refusal: Error {
        let problem: Problem
        var routine = false
    }

    private func check(scheme: String, token: String, _ request: Request, _ context: HearthRequestContext) async throws -> Verified {
        let dpopScheme = scheme.lowercased() == "dpop"
        let claims = try await signedClaims(token, dpop: dpopScheme)
        if let jkt = claims.cnf?.jkt {
            guard dpopScheme else {
                throw Refusal(problem: Self.invalid("this token is DPoP-bound: send it as Authorization: DPoP", dpop: true))
            }
            let proof: VerifiedProof?
            do {
                proof = try await server.dpopProof(request, path: request.uri.path, accessToken: token, requireNonce: false)
            } catch let error as OAuthError {
                throw Refusal(problem: Self.invalid(error.description, dpop: true, code: "invalid_dpop_proof"))
            }
            guard let proof, proof.jkt == jkt else {
                throw Refusal(problem: Self.invalid(
                    "send a DPoP proof signed by the key this token is bound to", dpop: true, code: "invalid_dpop_proof"))
            }
        } else if dpopScheme {
            throw Refusal(problem: Self.invalid("this token is not DPoP-bound: send it as Authorization: Bearer", dpop: true))
        }
        if let x5t = claims.cnf?.x5tS256 {
            let presented = try? await context.channel.nioSSL_peerCertificate().get()?.toDERBytes()
            guard let presented, certificateThumbprint(der: presented) == x5t else {
                throw Refusal(problem: Self.invalid("this token is bound to a certificate: present it over mutual TLS", dpop: false))
            }
        }
        guard try await isActive(claims) else {
            throw Refusal(problem: Self.invalid("the token was revoked", dpop: dpopScheme))
        }
        guard let scopes = try? ScopeSet(parsing: claims.scope) else {
            throw Refusal(problem: Self.invalid("the token's scope is malformed", dpop: dpopScheme))
        }
        return Verified(claims: claims, scopes: scopes)
    }

    static func invalid(_ detail: String, dpop: Bool, code: String = "invalid_token") -> Problem {
        let scheme = dpop ? "DPoP algs=\"ES256\", " : "Bearer "
        return Problem(
            .unauthorized, code: "unauthenticated", detail: detail,
            headers: [.wwwAuthenticate: scheme + "error=\"\(code)\""])
    }
}
