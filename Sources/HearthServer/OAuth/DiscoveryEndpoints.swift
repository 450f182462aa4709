import Foundation
import HearthHub
import HearthOAuth
import Hummingbird
import NIOCore

/// Authorization server metadata (RFC 8414), listing exactly what this hub supports, and the
/// JWKS its tokens verify with.
extension AuthorizationServer {
    func metadata() -> Response {
        let base = issuer.url
        let body: [String: Any] = [
            "issuer": base,
            "authorization_endpoint": base + "/oauth/authorize",
            "token_endpoint": base + "/oauth/token",
            "device_authorization_endpoint": base + "/oauth/device_authorization",
            "introspection_endpoint": base + "/oauth/introspect",
            "revocation_endpoint": base + "/oauth/revoke",
            "jwks_uri": base + "/oauth/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            // Said outright: OpenID Connect discovery defaults request_uri_parameter_supported to true.
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "grant_types_supported": Self.supportedGrants.sorted(),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt", "tls_client_auth"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
            "introspection_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
            "revocation_endpoint_auth_methods_supported": ["none", "private_key_jwt", "tls_client_auth"],
            "dpop_signing_alg_values_supported": ["ES256"],
            "tls_client_certificate_bound_access_tokens": true,
            "authorization_response_iss_parameter_supported": true,
            "scopes_supported": [
                "devices:read", "devices:manage", "devices:transfer", "pairing:approve", "audit:read", "ca:admin",
                "clients:manage", "hub:admin", "offline_access", "alerts:read", "discovery:read",
            ],
            "access_token_signing_alg_values_supported": ["ES256"],
        ]
        return Self.jsonResponse(body, cache: "max-age=300")
    }

    func jwks() async throws -> Response {
        let set = try await keyring.current().jwks
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/jwk-set+json", .cacheControl: "max-age=60"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(set))))
    }

    static func jsonResponse(_ object: [String: Any], cache: String) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: cache],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
