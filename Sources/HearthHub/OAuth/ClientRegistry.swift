import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthPKI
import HearthStore

/// Owners register, list and revoke OAuth clients, and list and revoke every grant a client
/// holds (the CLI `hearth clients …` and `/v1/oauth/…`).
package struct ClientRegistry: Sendable {
    package let store: Store
    package let trustDomain: String

    package struct Registration: Decodable, Sendable {
        package let name: String
        package let authMethod: String
        package let redirectURIs: [String]?
        package let grantTypes: [String]?
        package let scope: String
        package let jwks: JWKSet?
        package let deviceID: String?

        package enum CodingKeys: String, CodingKey {
            case name, scope, jwks
            case authMethod = "token_endpoint_auth_method"
            case redirectURIs = "redirect_uris"
            case grantTypes = "grant_types"
            case deviceID = "device_id"
        }

        package init(
            name: String, authMethod: String, redirectURIs: [String]?, grantTypes: [String]?, scope: String, jwks: JWKSet?,
            deviceID: String?
        ) {
            self.name = name
            self.authMethod = authMethod
            self.redirectURIs = redirectURIs
            self.grantTypes = grantTypes
            self.scope = scope
            self.jwks = jwks
            self.deviceID = deviceID
        }
    }

    package static let publicGrants: Set<String> = ["authorization_code", "refresh_token", AuthorizationServer.deviceCodeGrant]
    package static let confidentialGrants = AuthorizationServer.supportedGrants

    package func register(_ registration: Registration, household: HouseholdID, actor: AuditActor) async throws -> OAuthClientRecord {
        guard let method = OAuthClientRecord.AuthMethod(rawValue: registration.authMethod) else {
            throw HearthError(.invalidInput, "token_endpoint_auth_method must be none, private_key_jwt or tls_client_auth")
        }
        let name = registration.name.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(name.count), !name.contains(where: \.isNewline) else {
            throw HearthError(.invalidInput, "name must be 1 to 80 characters on one line")
        }
        let scope: ScopeSet
        do { scope = try ScopeSet(parsing: registration.scope) } catch {
            throw HearthError(.invalidInput, "scope is not a list of scopes this hub knows (see docs/oauth.md)")
        }
        let defaultGrants = method == .none ? ["authorization_code", "refresh_token"] : ["client_credentials"]
        let grants = registration.grantTypes ?? defaultGrants
        let allowedGrants = method == .none ? Self.publicGrants : Self.confidentialGrants
        guard !grants.isEmpty, Set(grants).isSubset(of: allowedGrants), Set(grants).count == grants.count else {
            throw HearthError(
                .invalidInput, "grant_types must be distinct values from: \(allowedGrants.sorted().joined(separator: ", "))")
        }
        let redirects = registration.redirectURIs ?? []
        guard redirects.count <= 10, redirects.allSatisfy(Self.isAcceptableRedirect) else {
            throw HearthError(
                .invalidInput,
                "redirect_uris: at most 10 absolute URIs without fragment: https, http on a loopback address, or an app's private-use scheme")
        }
        if grants.contains("authorization_code"), redirects.isEmpty {
            throw HearthError(.invalidInput, "the authorization code grant needs at least one redirect URI")
        }
        var jwks: String?
        var sanURI: String?
        var deviceID: String?
        switch method {
        case .none:
            guard registration.jwks == nil, registration.deviceID == nil else {
                throw HearthError(.invalidInput, "a public client has no keys and no device")
            }
        case .privateKeyJWT:
            guard let set = registration.jwks, !set.keys.isEmpty, set.keys.count <= 5,
                  set.keys.allSatisfy({ (try? $0.publicKey()) != nil })
            else { throw HearthError(.invalidInput, "private_key_jwt needs jwks with 1 to 5 ES256 (P-256) public keys") }
            jwks = String(decoding: try JSONEncoder().encode(set), as: UTF8.self)
        case .tlsClientAuth:
            guard let text = registration.deviceID, let id = DeviceID(text) else {
                throw HearthError(.invalidInput, "tls_client_auth needs device_id: the device or gateway whose certificate authenticates")
            }
            let device = try await store.read { db in try await db.devices.find(id) }
            guard let device, device.householdID == household, device.state != .decommissioned else {
                throw HearthError(.notFound, "no such device in this household")
            }
            deviceID = id.rawValue
            sanURI = IdentityNamespace(trustDomain: trustDomain, householdID: household).deviceURI(id)
        }
        let client = OAuthClientRecord(
            id: Identifier<OAuthClientRecord>().rawValue, householdID: household, name: name, authMethod: method,
            redirectURIs: redirects, grantTypes: grants, scope: scope.text, jwks: jwks, tlsSANURI: sanURI, deviceID: deviceID,
            createdBy: actor.description, createdAt: store.clock.now)
        try await store.write { db in
            try await db.oauthClients.insert(client)
            try await db.audit.append(AuditEvent(
                .oauthClientRegistered, actor: actor, subject: "client:\(client.id)", household: household,
                reason: "registered \(name)",
                details: ["auth_method": method.rawValue, "scope": scope.text, "grant_types": grants.joined(separator: " ")]))
        }
        return client
    }

    /// The household's apps and the grants they hold, each grant with its app's name.
    package func listing(household: HouseholdID) async throws -> (clients: [OAuthClientRecord], grants: [(OAuthGrantRecord, clientName: String?)]) {
        let (clients, grants) = try await store.read { db in
            (try await db.oauthClients.all(in: household), try await db.oauthGrants.all(in: household))
        }
        let names = Dictionary(clients.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return (clients, grants.map { ($0, names[$0.clientID]) })
    }

    /// Revokes a client and, with it, every grant and token it holds.
    package func revokeClient(_ id: String, household: HouseholdID, actor: AuditActor) async throws {
        try await store.write { db in
            guard let client = try await db.oauthClients.find(id), client.householdID == household else {
                throw HearthError(.notFound, "no such client in this household")
            }
            guard try await db.oauthClients.revoke(id, at: db.clock.now) else {
                throw HearthError(.conflict, "the client was revoked already")
            }
            let grants = try await db.oauthGrants.revokeAll(client: id, reason: "client revoked", at: db.clock.now)
            try await db.audit.append(AuditEvent(
                .oauthClientRevoked, actor: actor, subject: "client:\(id)", household: household,
                reason: "revoked \(client.name)", details: ["grants_revoked": String(grants.count)]))
        }
    }

    /// The grant an access token was issued from, if it was (nil also for an unknown token).
    package func grant(ofToken jti: String) async throws -> String? {
        try await store.read { db in try await db.oauthGrants.accessToken(jti: jti)?.grantID }
    }

    /// Revokes one grant (and its tokens) of the household.
    package func revokeGrant(
        _ id: String, household: HouseholdID, actor: AuditActor, reason: String = "revoked by an owner"
    ) async throws {
        try await store.write { db in
            guard let grant = try await db.oauthGrants.find(id), grant.householdID == household else {
                throw HearthError(.notFound, "no such grant in this household")
            }
            guard try await db.oauthGrants.revoke(id, reason: reason, at: db.clock.now) else {
                throw HearthError(.conflict, "the grant was revoked already")
            }
            try await db.audit.append(AuditEvent(
                .oauthGrantRevoked, actor: actor, subject: "grant:\(id)", household: household,
                reason: reason, details: ["client": grant.clientID, "scope": grant.scope]))
        }
    }

    /// RFC 8252 §7: loopback http with any port, https, or a private-use (reverse-DNS) scheme.
    package static func isAcceptableRedirect(_ text: String) -> Bool {
        guard text.utf8.count <= 512, !text.contains("#"), let url = URLComponents(string: text), let scheme = url.scheme?.lowercased()
        else { return false }
        switch scheme {
        case "https": return url.host?.isEmpty == false
        case "http": return ["127.0.0.1", "::1", "[::1]", "localhost"].contains(url.host ?? "")
        default: return scheme.contains(".") && !["javascript", "data", "file"].contains(scheme)
        }
    }
}
