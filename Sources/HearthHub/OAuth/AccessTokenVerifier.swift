import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// The resource-server side for `/v1`: an access token in `Authorization: Bearer …` or, when it
/// is DPoP-bound, `Authorization: DPoP …` with a proof over this request (RFC 9449 §7); a
/// certificate-bound token only on a connection with that certificate (RFC 8705 §3). The store
/// says whether the token is still live, so a revocation takes effect on the next call.
package struct AccessTokenVerifier: Sendable {
    package let server: AuthorizationServer
    /// Refusals per source, only to stop auditing a flood; separate from the token endpoint's
    /// back-off, which a client's bad calls to `/v1` must not trigger.
    package let refusals: FailureThrottle

    package struct Verified: Sendable {
        package let claims: AccessTokenClaims
        package let scopes: ScopeSet
    }

    /// Verifies the token. A refusal other than expiry is audited and counted — until the source
    /// has failed often enough to be backed off, after which it is neither until the back-off
    /// ends (detection still hears of each), so a stream of forged tokens floods neither the log
    /// nor the database. The answer stays 401 either way: a throttled source does not lock
    /// out the other clients behind the same address.
    package func verify(scheme: String, token: String, _ call: CallContext) async throws -> Verified {
        do {
            return try await check(scheme: scheme, token: token, call)
        } catch let refusal as Refusal {
            if !refusal.routine {
                try await audit(refusal: refusal.error.reason, source: call.source, endpoint: call.path)
            }
            throw refusal.error
        }
    }

    /// Audits and counts a refused token, in one transaction — unless `source` is backed off.
    package func audit(refusal detail: String, source: String?, endpoint: String) async throws {
        let keys = ["oauth-source:" + (source ?? "unknown")]
        guard try await refusals.retryAfter(keys) == 0 else { return refusals.signal(keys) }
        try await server.store.write { db in
            try await refusals.recordFailure(keys, in: db)
            try await db.audit.append(AuditEvent(
                .oauthTokenRefused, actor: .anonymous(address: source), subject: "access-token:presented",
                household: nil, reason: detail, details: ["endpoint": endpoint, "error": "invalid_token"]))
        }
    }

    /// The claims of a token signed by one of this hub's keys, for this hub, unexpired; the
    /// caller still checks its binding and whether it was revoked (``isActive(_:)``).
    package func signedClaims(_ token: String, dpop: Bool) async throws -> AccessTokenClaims {
        do {
            return try await server.keyring.current().verify(
                token, issuer: server.issuer.url, audience: server.issuer.url, now: server.now)
        } catch let error as OAuthError {
            throw Refusal(error: Self.invalid(error.description, dpop: dpop), routine: error == TokenSigner.expired)
        }
    }

    /// Whether the store still holds the token as live (not revoked, nor its grant or client).
    package func isActive(_ claims: AccessTokenClaims) async throws -> Bool {
        let at = server.now
        return try await server.store.read { db in try await db.oauthGrants.isAccessTokenActive(jti: claims.jti, at: at) }
    }

    /// The MQTT 5 authentication method that carries a DPoP proof in a CONNECT.
    package static let mqttDPoPMethod = "DPoP"

    /// A CONNECT's DPoP proof (RFC 9449, carried as MQTT 5 enhanced authentication): `htm`
    /// `CONNECT`, `htu` the broker as the hub names it — `mqtts://<the issuer's host>:<port>` —
    /// `ath` the token's hash, and never seen before.
    /// `replayChecked`: another node of this hub checked (and recorded) the proof's `jti` — a
    /// relayed CONNECT (docs/scale-out.md).
    package func connectProof(_ proof: [UInt8], accessToken: String, port: Int?, replayChecked: Bool = false) async throws -> VerifiedProof {
        guard proof.count <= 8192, let text = String(validating: proof, as: UTF8.self) else {
            throw OAuthError(.invalidDPoPProof, "the authentication data must be one DPoP proof (a compact JWS)")
        }
        let now = server.now
        let verified = try server.dpop.verify(
            proof: text, method: "CONNECT", url: Self.brokerURL(issuer: server.issuer.url, port: port),
            accessToken: accessToken, expectedNonce: nil, now: now)
        if !replayChecked { try await server.refuseReplay(verified, now: now) }
        return verified
    }

    /// `mqtts://` with the issuer's host and the broker's port.
    static func brokerURL(issuer: String, port: Int?) -> String {
        let authority = issuer.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
        return "mqtts://\(host):\(port ?? 8883)"
    }

    /// A refusal, and whether it is routine (an expired token) rather than evidence.
    package struct Refusal: Error {
        package let error: HearthError
        package var routine = false
    }

    private func check(scheme: String, token: String, _ call: CallContext) async throws -> Verified {
        let dpopScheme = scheme.lowercased() == "dpop"
        let claims = try await signedClaims(token, dpop: dpopScheme)
        if let jkt = claims.cnf?.jkt {
            guard dpopScheme else {
                throw Refusal(error: Self.invalid("this token is DPoP-bound: send it as Authorization: DPoP", dpop: true))
            }
            let proof: VerifiedProof?
            do {
                proof = try await server.dpopProof(call, path: call.path, accessToken: token, requireNonce: false)
            } catch let error as OAuthError {
                throw Refusal(error: Self.invalid(error.description, dpop: true, code: "invalid_dpop_proof"))
            }
            guard let proof, proof.jkt == jkt else {
                throw Refusal(error: Self.invalid(
                    "send a DPoP proof signed by the key this token is bound to", dpop: true, code: "invalid_dpop_proof"))
            }
        } else if dpopScheme {
            throw Refusal(error: Self.invalid("this token is not DPoP-bound: send it as Authorization: Bearer", dpop: true))
        }
        if let x5t = claims.cnf?.x5tS256 {
            let presented = await call.clientCertificate()
            guard let presented, certificateThumbprint(der: presented) == x5t else {
                throw Refusal(error: Self.invalid("this token is bound to a certificate: present it over mutual TLS", dpop: false))
            }
        }
        guard try await isActive(claims) else {
            throw Refusal(error: Self.invalid("the token was revoked", dpop: dpopScheme))
        }
        guard let scopes = try? ScopeSet(parsing: claims.scope) else {
            throw Refusal(error: Self.invalid("the token's scope is malformed", dpop: dpopScheme))
        }
        return Verified(claims: claims, scopes: scopes)
    }

    package static func invalid(_ detail: String, dpop: Bool, code: String = "invalid_token") -> HearthError {
        HearthError(.unauthenticated, detail, challenge: .init(scheme: dpop ? "DPoP" : "Bearer", error: code))
    }
}
