import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// What the CLI does to the authorization server on the data folder or database (safe while
/// the hub runs: clients and grants are read from the store at every request, and the hub
/// reloads signing keys within seconds of a rotation).
public enum OAuthAdministration {
    public static func registerClient(
        pki: HubPKI, household: HouseholdID, name: String, authMethod: String, redirectURIs: [String], grantTypes: [String]?,
        scope: String, jwksJSON: String?, deviceID: String?, actor: AuditActor
    ) async throws -> OAuthClientRecord {
        var jwks: JWKSet?
        if let jwksJSON {
            guard let set = try? JSONDecoder().decode(JWKSet.self, from: Data(jwksJSON.utf8)) else {
                throw HearthError(.invalidInput, "the JWKS file is not a JWK Set of ES256 public keys")
            }
            jwks = set
        }
        return try await ClientRegistry(store: pki.store, trustDomain: pki.trustDomain).register(
            .init(
                name: name, authMethod: authMethod, redirectURIs: redirectURIs.isEmpty ? nil : redirectURIs,
                grantTypes: grantTypes, scope: scope, jwks: jwks, deviceID: deviceID),
            household: household, actor: actor)
    }

    public static func revokeClient(_ id: String, pki: HubPKI, household: HouseholdID, actor: AuditActor) async throws {
        try await ClientRegistry(store: pki.store, trustDomain: pki.trustDomain).revokeClient(id, household: household, actor: actor)
    }

    public static func revokeGrant(_ id: String, pki: HubPKI, household: HouseholdID, actor: AuditActor) async throws {
        try await ClientRegistry(store: pki.store, trustDomain: pki.trustDomain).revokeGrant(id, household: household, actor: actor)
    }

    /// A new active signing key; the old one verifies until its last token expires. Returns the new kid.
    public static func rotateSigningKey(pki: HubPKI, actor: AuditActor) async throws -> String {
        try await OAuthKeyring.rotate(store: pki.store, sealer: pki.sealer, actor: actor)
    }

    /// JSON for `--json` output, in the API's shapes.
    public static func json(clients: [OAuthClientRecord]) throws -> String {
        try encode(["clients": clients.map(ClientView.init)])
    }

    public static func json(grants: [OAuthGrantRecord], clients: [OAuthClientRecord]) throws -> String {
        let names = Dictionary(clients.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return try encode(["grants": grants.map { GrantView($0, clientName: names[$0.clientID]) }])
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
