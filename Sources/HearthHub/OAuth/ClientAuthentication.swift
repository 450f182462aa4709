import Foundation
import HearthCore
import HearthOAuth
import HearthPKI
import HearthStore
import NIOSSL
import SwiftASN1
import X509

/// A client that proved who it is at the token, introspection or revocation endpoint.
package struct AuthenticatedClient: Sendable {
    package let record: OAuthClientRecord
    /// RFC 8705 §3: the thumbprint of the certificate it authenticated with, for `cnf.x5t#S256`.
    package let certificateThumbprint: String?
    /// The inventory record of that certificate (its profile tells a gateway from a device).
    package let certificate: CertificateRecord?

    package var isConfidential: Bool { record.authMethod != .none }
}

extension AuthorizationServer {
    package static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// Client libraries commonly make assertions valid for an hour (Authlib does); the jti is
    /// remembered until the assertion expires, so a longer life costs only storage.
    package static let maximumAssertionLifetime = 3600

    /// Authenticates the client by the method it registered: none (a public client names itself
    /// and proves possession later, by PKCE or DPoP), `private_key_jwt` (RFC 7523) or
    /// `tls_client_auth` (RFC 8705, a certificate this hub issued to the client's device).
    /// Any failure is `invalid_client`, audited and counted against the source.
    package func authenticateClient(
        _ form: OAuthForm, _ call: CallContext, endpoint: String
    ) async throws -> AuthenticatedClient {
        let keys = [Self.sourceKey(call)]
        try await throttle.enforce(keys)
        do {
            return try await authenticate(form, call, endpoint: endpoint)
        } catch let error as OAuthError where error.code == .invalidClient {
            throw try await refuse(
                error, keys: keys, source: call.source, subject: "client:" + (form["client_id"].map(Self.safeID) ?? "unknown"))
        }
    }

    private func authenticate(
        _ form: OAuthForm, _ call: CallContext, endpoint: String
    ) async throws -> AuthenticatedClient {
        if let type = form["client_assertion_type"] {
            guard type == Self.assertionType, let assertion = form["client_assertion"] else {
                throw OAuthError(.invalidClient, "client_assertion_type must be \(Self.assertionType), with client_assertion")
            }
            guard let clientID = form["client_id"] ?? Self.unverifiedSubject(of: assertion) else {
                throw OAuthError(.invalidClient, "the client assertion names no client")
            }
            let client = try await activeClient(clientID)
            guard client.authMethod == .privateKeyJWT, let jwks = client.jwks,
                  let set = try? JSONDecoder().decode(JWKSet.self, from: Data(jwks.utf8))
            else { throw OAuthError(.invalidClient, "this client does not authenticate with private_key_jwt") }
            let audiences: Set<String> = [issuer.url, issuer.endpoint(endpoint), issuer.endpoint("/oauth/token")]
            let verified = try ClientAssertionVerifier.verify(
                assertion, clientID: client.id, keys: set.keys, audiences: audiences, now: now,
                maxLifetime: Self.maximumAssertionLifetime)
            let fresh = try await store.write { db in
                try await db.oauthClients.useAssertion(
                    client: client.id, jti: verified.jti, expiresAt: Date(timeIntervalSince1970: TimeInterval(verified.exp)))
            }
            guard fresh else { throw OAuthError(.invalidClient, "the client assertion was used before") }
            return AuthenticatedClient(record: client, certificateThumbprint: nil, certificate: nil)
        }
        if call.authorization?.lowercased().hasPrefix("basic ") == true {
            throw OAuthError(.invalidClient, "client secrets are not supported; use private_key_jwt or tls_client_auth")
        }
        guard let clientID = form["client_id"] else {
            throw OAuthError(.invalidClient, "client authentication is required (client_id, an assertion or a certificate)")
        }
        // The client and, for a certificate-authenticated one, the presented certificate's
        // inventory record and device: one read, since every token request makes it.
        let presented = await call.clientCertificate()
        let at = now
        let (client, certificate) = try await store.read { db -> (OAuthClientRecord?, CertificateRecord?) in
            guard clientID.utf8.count <= 64, let client = try await db.oauthClients.find(clientID), client.revokedAt == nil
            else { return (nil, nil) }
            // Parsed only for a client that authenticates with it: a public client may present one too.
            guard client.authMethod == .tlsClientAuth, let presented, let leaf = try? Certificate(derEncoded: presented),
                  let record = try await db.pki.certificate(serial: SerialNumberText.hex(leaf.serialNumber))
            else { return (client, nil) }
            // Valid, issued to the client's device, and that device active.
            guard record.certificateDER == presented, record.status == .valid, record.notAfter > at,
                  let deviceID = record.deviceID, deviceID == client.deviceID, record.uri == client.tlsSANURI,
                  let id = DeviceID(deviceID), try await db.devices.find(id)?.state == .active
            else { return (client, nil) }
            return (client, record)
        }
        guard let client else { throw OAuthError(.invalidClient, "unknown or revoked client") }
        switch client.authMethod {
        case .none:
            return AuthenticatedClient(record: client, certificateThumbprint: nil, certificate: nil)
        case .privateKeyJWT:
            throw OAuthError(.invalidClient, "this client must authenticate with a private_key_jwt assertion")
        case .tlsClientAuth:
            // The handshake already verified the chain, validity and the live revocation set.
            guard let presented else {
                throw OAuthError(.invalidClient, "this client authenticates with its certificate over mutual TLS")
            }
            guard let certificate else {
                throw OAuthError(.invalidClient, "the certificate is not a valid certificate of this client's active device")
            }
            return AuthenticatedClient(
                record: client, certificateThumbprint: certificateThumbprint(der: presented), certificate: certificate)
        }
    }

    private func activeClient(_ id: String) async throws -> OAuthClientRecord {
        guard id.utf8.count <= 64, let client = try await store.read({ db in try await db.oauthClients.find(id) }),
              client.revokedAt == nil
        else { throw OAuthError(.invalidClient, "unknown or revoked client") }
        return client
    }

    /// The `sub` of an assertion before verification, only to find the client whose keys verify it.
    package static func unverifiedSubject(of jwt: String) -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count < 8192, let bytes = Base64URL.decode(parts[1]),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["sub"] as? String
    }

    /// A client id safe to record in the log: ids are base64url; anything else is not echoed.
    package static func safeID(_ text: String) -> String {
        text.utf8.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            ? text : "malformed"
    }
}
