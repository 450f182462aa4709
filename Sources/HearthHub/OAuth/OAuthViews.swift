import HearthCore
import HearthStore

/// A client as the API and `hearth clients list --json` show it (never a key or secret).
package struct ClientView: Encodable {
    package let client: OAuthClientRecord

    package init(_ client: OAuthClientRecord) { self.client = client }

    enum CodingKeys: String, CodingKey {
        case name, scope
        case clientID = "client_id"
        case authMethod = "token_endpoint_auth_method"
        case redirectURIs = "redirect_uris"
        case grantTypes = "grant_types"
        case deviceID = "device_id"
        case sanURI = "tls_client_auth_san_uri"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(client.id, forKey: .clientID)
        try container.encode(client.name, forKey: .name)
        try container.encode(client.authMethod.rawValue, forKey: .authMethod)
        try container.encode(client.redirectURIs, forKey: .redirectURIs)
        try container.encode(client.grantTypes, forKey: .grantTypes)
        try container.encode(client.scope, forKey: .scope)
        try container.encodeIfPresent(client.deviceID, forKey: .deviceID)
        try container.encodeIfPresent(client.tlsSANURI, forKey: .sanURI)
        try container.encode(RFC3339.format(client.createdAt), forKey: .createdAt)
        try container.encode(client.revokedAt.map(RFC3339.format), forKey: .revokedAt)
    }
}

/// A grant a client holds: who granted what, when, and when it was last used.
package struct GrantView: Encodable {
    package let grant: OAuthGrantRecord
    package let clientName: String?

    package init(_ grant: OAuthGrantRecord, clientName: String?) {
        self.grant = grant
        self.clientName = clientName
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, scope
        case clientID = "client_id"
        case clientName = "client_name"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
        case secondFactor = "second_factor"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(grant.id, forKey: .id)
        try container.encode(grant.clientID, forKey: .clientID)
        try container.encode(clientName, forKey: .clientName)
        try container.encode(grant.subject, forKey: .subject)
        try container.encode(grant.scope, forKey: .scope)
        try container.encode(RFC3339.format(grant.createdAt), forKey: .createdAt)
        try container.encode(RFC3339.format(grant.lastUsedAt), forKey: .lastUsedAt)
        try container.encode(RFC3339.format(grant.expiresAt), forKey: .expiresAt)
        try container.encode(grant.acr == "mfa", forKey: .secondFactor)
    }
}
