import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// The authorization endpoint's operations (RFC 6749 §4.1.1, RFC 7636, RFC 9207): checking a
/// request, and issuing a code once the person has signed in and allowed it. Until the client and
/// its exact redirect URI are known, a refusal is for the page only (an open redirector
/// otherwise); after that it goes back to the client.
extension AuthorizationServer {
    /// A checked authorization request.
    package struct AuthorizationRequest: Sendable {
        package let client: OAuthClientRecord
        package let redirectURI: String
        package let scope: ScopeSet
        package let state: String?
        package let codeChallenge: String
        package let dpopJKT: String?

        /// The parameters the form carries back on POST.
        package var fields: [(String, String)] {
            var fields = [
                ("response_type", "code"), ("client_id", client.id), ("redirect_uri", redirectURI), ("scope", scope.text),
                ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
            ]
            if let state { fields.append(("state", state)) }
            if let dpopJKT { fields.append(("dpop_jkt", dpopJKT)) }
            return fields
        }
    }

    /// An error to send back to the client's redirect URI.
    package struct RedirectedError: Error {
        package let error: OAuthError
        package init(error: OAuthError) { self.error = error }
    }

    /// What a request to the authorization endpoint is.
    package enum AuthorizationRequestCheck: Sendable {
        /// Neither the client nor its redirect URI can be trusted: tell the person, not the client.
        case refusedOnPage(String)
        /// Refused, to be sent back to the client's registered redirect URI.
        case refusedToClient(OAuthError, redirectURI: String, state: String?)
        case valid(AuthorizationRequest)
    }

    package func checkAuthorizationRequest(_ form: OAuthForm) async throws -> AuthorizationRequestCheck {
        guard let clientID = form["client_id"], clientID.utf8.count <= 64,
              let client = try await store.read({ db in try await db.oauthClients.find(clientID) }), client.revokedAt == nil
        else { return .refusedOnPage("The app that sent you here is not registered with this hub.") }
        // A public client is a native app, whose loopback listener may get any port (RFC 8252 §7.3);
        // a confidential client is a server, whose address is known: exact match only. The code is
        // bound to the URI as presented, so the token request must repeat that port.
        guard let redirect = form["redirect_uri"],
              RedirectURIMatch.isRegistered(
                  redirect, in: client.redirectURIs, anyLoopbackPort: client.authMethod == OAuthClientRecord.AuthMethod.none)
        else {
            return .refusedOnPage("The app sent you to an address it did not register. Nothing was shared.")
        }
        let state = form["state"]
        do {
            guard state.map({ $0.utf8.count <= 1024 }) ?? true else {
                throw OAuthError(.invalidRequest, "state is longer than 1024 bytes")
            }
            // A client that believes JAR (RFC 9101) or PAR (RFC 9126) protects its request, or that
            // waits for an answer in a fragment or a form post, must be told rather than ignored.
            if form["request"] != nil {
                throw OAuthError(.requestNotSupported, "request objects are not supported; send the parameters themselves")
            }
            if form["request_uri"] != nil {
                throw OAuthError(
                    .requestURINotSupported, "request_uri (and pushed authorization requests) are not supported; send the parameters themselves")
            }
            if let mode = form["response_mode"], mode != "query" {
                throw OAuthError(.invalidRequest, "response_mode must be query, the only mode this hub supports")
            }
            guard form["response_type"] == "code" else {
                throw OAuthError(.unsupportedResponseType, "only response_type=code is supported")
            }
            guard client.grantTypes.contains("authorization_code") else {
                throw OAuthError(.unauthorizedClient, "this client may not use the authorization code grant")
            }
            try PKCE.validateChallenge(form["code_challenge"] ?? "", method: form["code_challenge_method"])
            let allowed = try ScopeSet(parsing: client.scope)
            let scope = try Self.requestedScope(form, within: allowed)
            if let jkt = form["dpop_jkt"], jkt.utf8.count != 43 || Base64URL.decode(jkt) == nil {
                throw OAuthError(.invalidRequest, "dpop_jkt is not a JWK SHA-256 thumbprint")
            }
            return .valid(AuthorizationRequest(
                client: client, redirectURI: redirect, scope: scope, state: state,
                codeChallenge: form["code_challenge"] ?? "", dpopJKT: form["dpop_jkt"]))
        } catch let error as OAuthError {
            return .refusedToClient(error, redirectURI: redirect, state: state)
        }
    }

    /// Issues a code for a request the signed-in person allowed; the parameters to send back to
    /// the client's redirect URI (RFC 9207's `iss` among them). Throws ``RedirectedError`` when
    /// the person may not grant what was asked.
    package func issueAuthorizationCode(
        _ checked: AuthorizationRequest, signedIn: PasswordSignIn.SignedIn
    ) async throws -> [(String, String)] {
        let person = signedIn.person
        let code = SecretToken(prefix: "hac_")
        let at = now
        try await store.write { db in
            let member = try await Self.checkEntitled(person, acr: signedIn.acr, client: checked.client, scope: checked.scope, in: db)
            try await db.oauthAuthorizations.insert(OAuthCodeRecord(
                digest: code.digest, clientID: checked.client.id, personID: person.id.rawValue,
                householdID: member.householdID, redirectURI: checked.redirectURI, scope: checked.scope.text,
                codeChallenge: checked.codeChallenge, dpopJKT: checked.dpopJKT, authTime: at, acr: signedIn.acr,
                expiresAt: at.addingTimeInterval(lifetimes.authorizationCode)))
            try await db.audit.append(AuditEvent(
                .oauthConsentGranted, actor: .person(person.id), subject: "client:\(checked.client.id)",
                household: member.householdID, reason: "authorization code for \(checked.client.name)",
                details: ["scope": checked.scope.text, "second_factor": signedIn.acr == nil ? "no" : "yes"]))
        }
        var parameters = [("code", code.value)]
        if let state = checked.state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer.url))
        return parameters
    }

    /// The parameters of an error sent back to the client (RFC 6749 §4.1.2.1, RFC 9207).
    package func errorParameters(_ error: OAuthError, state: String?) -> [(String, String)] {
        var parameters = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer.url))
        return parameters
    }

    /// What a person may grant: only for a household they belong to (the client's — a token is
    /// for one household), while their access is open; owner-only scopes need an owner, zone
    /// scopes a zone the person's access reaches; sensitive scopes need a second factor in this
    /// sign-in (step-up). Returns the person as a member of the client's household.
    package static func checkEntitled(
        _ person: Person, acr: String?, client: OAuthClientRecord, scope: ScopeSet, in db: StoreSession
    ) async throws -> Member {
        guard let member = try await db.memberships.member(person.id, in: client.householdID),
              try await db.households.find(client.householdID)?.state == .active
        else { throw RedirectedError(error: OAuthError(.accessDenied, "this app is registered in a household you do not belong to")) }
        do {
            try SessionAuthenticator.check(member, .useHousehold, at: db.clock.now)
        } catch let refused as HearthError {
            throw RedirectedError(error: OAuthError(.accessDenied, refused.reason))
        }
        if member.role != .owner {
            guard scope.tokens.allSatisfy(Self.memberScope) else {
                throw RedirectedError(error: OAuthError(.accessDenied, "a requested scope is for owners only"))
            }
            for token in scope.tokens where token.hasPrefix("devices:control:") {
                guard member.access.mayReach(zoneNamed: String(token.dropFirst("devices:control:".count))) else {
                    throw RedirectedError(error: OAuthError(.accessDenied, "\(token) names a zone you were not given"))
                }
            }
        }
        if scope.needsStepUp, acr != "mfa" {
            throw RedirectedError(error: OAuthError(
                .accessDenied, "a requested scope needs a second factor; enroll one and sign in with its code"))
        }
        return member
    }

    /// Scopes a member (not an owner) may grant.
    package static func memberScope(_ token: String) -> Bool {
        token == "devices:read" || token == "offline_access" || token.hasPrefix("devices:control:")
            || token.hasPrefix("telemetry:read:")
    }
}
