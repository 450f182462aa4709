import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// Integrations: software such as Home Assistant that uses the household's broker with a
/// hub-issued client certificate instead of an access token (its MQTT client cannot refresh a
/// token; it can present a certificate). Each is an OAuth client whose one grant, made by an
/// owner, carries its scopes; its certificate stands for that grant. So its scopes, consents and
/// revocation are the ones the rest of the hub already enforces, and revoking the grant, the
/// client or the certificate ends its MQTT session within a second.
public struct IntegrationService: Sendable {
    public let pki: HubPKI

    public init(pki: HubPKI) { self.pki = pki }

    /// What an owner asks for.
    public struct Registration: Sendable {
        /// A name the owner recognizes (`Home Assistant`).
        public var name: String
        /// Space-separated broker scopes: `devices:read`, `telemetry:read:<flow>`,
        /// `devices:control:<zone>`, `alerts:read`; `discovery:read` is added for Home Assistant.
        public var scope: String
        /// The certificate's key, when the integration made its own (a PKCS#10 CSR); without one
        /// the hub makes a P-256 key and hands it out once.
        public var csrPEM: String?
        /// 1–365 days; 90 by default.
        public var lifetimeDays: Int?

        public init(name: String, scope: String, csrPEM: String? = nil, lifetimeDays: Int? = nil) {
            self.name = name
            self.scope = scope
            self.csrPEM = csrPEM
            self.lifetimeDays = lifetimeDays
        }
    }

    /// A registered integration with what it needs to connect; the key only when the hub made it.
    public struct Registered: Sendable {
        public let integration: Integration
        /// The certificate, then its issuing CA.
        public let certificateChainPEM: String
        /// PKCS#8; shown once, never stored.
        public let privateKeyPEM: String?
        /// The hub's root, which the integration trusts for the broker's certificate.
        public let rootPEM: String
    }

    /// Registers an integration for `owner` (an owner of the household), issues its certificate
    /// and records the client, the grant, the certificate and their audit entries in one
    /// transaction before anything is handed out.
    public func register(_ registration: Registration, owner: PersonID, household: HouseholdID, actor: AuditActor) async throws -> Registered {
        let name = registration.name.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(name.count), !name.contains(where: \.isNewline) else {
            throw HearthError(.invalidInput, "the name is 1 to 80 characters on one line")
        }
        let scopes = try Self.scopes(registration.scope)
        let clientID = Identifier<OAuthClientRecord>().rawValue
        let (order, privateKeyPEM) = try Self.order(
            client: clientID, csrPEM: registration.csrPEM, lifetimeDays: registration.lifetimeDays, household: household)
        let namespace = IdentityNamespace(trustDomain: pki.trustDomain, householdID: household)
        let (pki, scopeText) = (self.pki, scopes.joined(separator: " "))
        let (issued, grant) = try await pki.store.write { db -> (IssuedCertificate, OAuthGrantRecord) in
            let now = db.clock.now
            guard let member = try await db.memberships.find(person: owner, household: household), member.role == .owner else {
                throw HearthError(.forbidden, "only an owner of the household registers an integration")
            }
            let client = OAuthClientRecord(
                id: clientID, householdID: household, name: name, authMethod: .tlsClientAuth, redirectURIs: [], grantTypes: [],
                scope: scopeText, jwks: nil, tlsSANURI: namespace.integrationURI(client: clientID), deviceID: nil,
                createdBy: actor.description, createdAt: now)
            try await db.oauthClients.insert(client)
            let issued = try await RecordedIssuance.issue(
                order, in: db, authorities: pki.authorities, trustDomain: pki.trustDomain, actor: actor, now: now)
            let grant = OAuthGrantRecord(
                id: Identifier<OAuthGrantRecord>().rawValue, householdID: household, clientID: clientID, subject: "person:\(owner)",
                scope: scopeText, authTime: now, acr: nil, createdAt: now, expiresAt: issued.record.notAfter, lastUsedAt: now)
            try await db.oauthGrants.insert(grant)
            try await db.audit.append(AuditEvent(
                .integrationRegistered, actor: actor, subject: "client:\(clientID)", household: household,
                reason: "registered \(name)",
                details: [
                    "grant": grant.id, "scope": scopeText, "person": owner.rawValue, "certificate": issued.record.serial,
                    "not_after": RFC3339.format(issued.record.notAfter),
                ]))
            return (issued, grant)
        }
        return Registered(
            integration: Integration(client: clientID, name: name, grant: grant, certificate: issued.record, revoked: false),
            certificateChainPEM: issued.chainPEM, privateKeyPEM: privateKeyPEM, rootPEM: pki.authorities.rootPEM)
    }

    /// A new certificate for a live integration (a new key: the hub's, or the CSR's), before the
    /// old one ends: its grant is extended to the new certificate's end. The old certificate stays
    /// valid until its own end, so Home Assistant keeps its session while its files are replaced;
    /// revoke it (`hearth ca revoke`) to end it sooner.
    public func renew(
        _ client: String, csrPEM: String? = nil, lifetimeDays: Int? = nil, household: HouseholdID, actor: AuditActor
    ) async throws -> Registered {
        let (order, privateKeyPEM) = try Self.order(client: client, csrPEM: csrPEM, lifetimeDays: lifetimeDays, household: household)
        let namespace = IdentityNamespace(trustDomain: pki.trustDomain, householdID: household)
        let pki = self.pki
        let (issued, grant, name) = try await pki.store.write { db -> (IssuedCertificate, OAuthGrantRecord, String) in
            let now = db.clock.now
            guard let record = try await db.oauthClients.find(client), record.householdID == household,
                  record.tlsSANURI == namespace.integrationURI(client: client)
            else { throw HearthError(.notFound, "no integration \(client) in this household") }
            guard let grant = try await IntegrationGrants.live(client: client, household: household, at: now, in: db) else {
                throw HearthError(.conflict, "the integration was revoked or its grant has ended: register it again")
            }
            let issued = try await RecordedIssuance.issue(
                order, in: db, authorities: pki.authorities, trustDomain: pki.trustDomain, actor: actor, now: now)
            _ = try await db.oauthGrants.extend(grant.id, until: issued.record.notAfter)
            try await db.audit.append(AuditEvent(
                .integrationRenewed, actor: actor, subject: "client:\(client)", household: household,
                reason: "a new certificate for \(record.name)",
                details: ["grant": grant.id, "certificate": issued.record.serial, "not_after": RFC3339.format(issued.record.notAfter)]))
            return (issued, try await db.oauthGrants.find(grant.id) ?? grant, record.name)
        }
        return Registered(
            integration: Integration(client: client, name: name, grant: grant, certificate: issued.record, revoked: false),
            certificateChainPEM: issued.chainPEM, privateKeyPEM: privateKeyPEM, rootPEM: pki.authorities.rootPEM)
    }

    /// The owner an administrator names by email, or the household's only owner.
    public func owner(email: String?, household: HouseholdID) async throws -> PersonID {
        let owners = try await pki.store.read { db in try await db.memberships.members(of: household) }.filter { $0.role == .owner }
        if let email {
            guard let owner = owners.first(where: { $0.email.text == email.lowercased() }) else {
                throw HearthError(.notFound, "no owner \(email) in this household")
            }
            return owner.id
        }
        guard owners.count == 1 else {
            throw HearthError(.invalidInput, "the household has \(owners.count) owners; name the one granting with --owner EMAIL")
        }
        return owners[0].id
    }

    /// The household's integrations, newest first, revoked ones included.
    public func list(household: HouseholdID) async throws -> [Integration] {
        let namespace = IdentityNamespace(trustDomain: pki.trustDomain, householdID: household)
        return try await pki.store.read { db in
            let clients = try await db.oauthClients.all(in: household).filter {
                $0.tlsSANURI.flatMap(namespace.integrationClient(in:)) == $0.id
            }
            let grants = try await db.oauthGrants.all(in: household, includingRevoked: true)
            var integrations: [Integration] = []
            for client in clients {
                let certificate = try await db.pki.certificates(uri: namespace.integrationURI(client: client.id))
                    .max { $0.issuedAuditSeq < $1.issuedAuditSeq }
                integrations.append(Integration(
                    client: client.id, name: client.name, grant: grants.first { $0.clientID == client.id },
                    certificate: certificate, revoked: client.revokedAt != nil))
            }
            return integrations.sorted { ($0.createdAt ?? .distantPast) > ($1.createdAt ?? .distantPast) }
        }
    }

    /// Revokes the integration's client (with its grant) and its certificates; its session ends
    /// within a second.
    public func revoke(_ client: String, household: HouseholdID, actor: AuditActor) async throws {
        let namespace = IdentityNamespace(trustDomain: pki.trustDomain, householdID: household)
        let record = try await pki.store.read { db in try await db.oauthClients.find(client) }
        guard let record, record.householdID == household, record.tlsSANURI == namespace.integrationURI(client: client) else {
            throw HearthError(.notFound, "no integration \(client) in this household")
        }
        try await ClientRegistry(store: pki.store, trustDomain: pki.trustDomain).revokeClient(client, household: household, actor: actor)
        let certificates = try await pki.store.read { db in try await db.pki.certificates(uri: namespace.integrationURI(client: client)) }
        for certificate in certificates where certificate.status == .valid {
            try await pki.revoke(.serial(certificate.serial), reason: .cessationOfOperation, household: household, actor: actor)
        }
    }

    /// The scopes an integration may hold: the broker's, and nothing of the API (it holds no token).
    static func scopes(_ text: String) throws -> [String] {
        let parsed: ScopeSet
        do { parsed = try ScopeSet(parsing: text) } catch {
            throw HearthError(.invalidInput, "the scope is not a list of scopes this hub knows (see docs/home-assistant.md)")
        }
        let scopes = Set(parsed.tokens).union(["discovery:read"])
        guard scopes.allSatisfy(MessagingPolicy.isMessagingScope) else {
            throw HearthError(
                .invalidInput,
                "an integration holds broker scopes only: devices:read, telemetry:read:<flow>, devices:control:<zone>, alerts:read")
        }
        return scopes.sorted()
    }

    /// The certificate an integration's client is issued: 1–365 days (90 by default), for the
    /// CSR's key or one made here (returned as PEM).
    static func order(client: String, csrPEM: String?, lifetimeDays: Int?, household: HouseholdID) throws -> (CertificateOrder, String?) {
        let days = lifetimeDays ?? 90
        guard (1...365).contains(days) else { throw HearthError(.invalidInput, "the lifetime is 1 to 365 days") }
        let (request, privateKeyPEM) = try Self.request(csrPEM)
        let order = try CertificateOrder(
            request: request, profile: .integration, household: household, subject: .integration(client: client),
            lifetime: .seconds(days * 86_400), origin: .admin)
        return (order, privateKeyPEM)
    }

    /// The CSR given, or one for a key made here (returned as PEM).
    static func request(_ csrPEM: String?) throws -> (CertificateRequest, String?) {
        if let csrPEM {
            guard csrPEM.utf8.count <= CertificateRequest.maximumBytes * 2 else {
                throw HearthError(.invalidInput, "the CSR is larger than \(CertificateRequest.maximumBytes) bytes")
            }
            return (try CertificateRequest(pem: csrPEM), nil)
        }
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("integration") },
            privateKey: Certificate.PrivateKey(key), attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256)
        return (try CertificateRequest(pem: try csr.serializeAsPEM().pemString), key.pemRepresentation)
    }
}

/// An integration as an owner sees it.
public struct Integration: Sendable, Hashable {
    public let client: String
    public let name: String
    public let grant: OAuthGrantRecord?
    public let certificate: CertificateRecord?
    public let revoked: Bool

    public var createdAt: Date? { grant?.createdAt ?? certificate?.notBefore }
    public var scope: String { grant?.scope ?? "" }
    public var active: Bool { !revoked && grant?.revokedAt == nil }
}
