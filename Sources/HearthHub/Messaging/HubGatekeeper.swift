import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthDetection
import HearthMQTT
import HearthOAuth
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// The hub's answers to the broker: devices authenticate with their certificate (the TLS
/// handshake verified the chain; the inventory says which device it names), apps with an OAuth
/// access token as the MQTT password, integrations (Home Assistant) with a certificate that
/// stands for an OAuth grant. The client identifier is bound to the identity: a device
/// connects as its device id; an app's session key includes the person and OAuth client, so no
/// identity can resume or take over another's session.
package struct HubGatekeeper: BrokerGatekeeper {
    package let store: Store
    package let pki: HubPKI
    package let devices: DeviceAuthenticator
    package let tokens: AccessTokenVerifier
    /// Where a certificate naming no device is signalled (a refused token is, by the token throttle).
    package let signals: SignalInbox?
    /// Devices' connections, counted for the rollouts' crash-loop gate.
    package var connections: ConnectionTally? = nil

    package func authenticate(_ attempt: ConnectAttempt) async -> ConnectVerdict {
        do {
            if let method = attempt.authenticationMethod, method != AccessTokenVerifier.mqttDPoPMethod {
                return .refused(.badAuthenticationMethod, "the one authentication method this broker knows is DPoP")
            }
            let token = attempt.password.map { String(decoding: $0, as: UTF8.self) }
            if let der = attempt.certificateChain.first {
                // An app whose token is bound to this certificate (RFC 8705); otherwise the device it names.
                if let token, let claims = try? await tokens.signedClaims(token, dpop: false),
                   let x5t = claims.cnf?.x5tS256, certificateThumbprint(der: der) == x5t,
                   let leaf = try? Certificate(derEncoded: der)
                {
                    return try await authenticateApp(
                        claims, attempt, possession: .certificate(serial: SerialNumberText.hex(leaf.serialNumber)))
                }
                return try await authenticateDevice(der: der, attempt)
            }
            if let token {
                return try await authenticateApp(token: token, attempt)
            }
            return .refused(.notAuthorized, "connect with a device certificate, or with an access token as the password")
        } catch {
            return .refused(.serverUnavailable, "the hub could not check the credential; try again")
        }
    }

    private func authenticateDevice(der: [UInt8], _ attempt: ConnectAttempt) async throws -> ConnectVerdict {
        let leaf = try? Certificate(derEncoded: der)
        // Only a certificate naming an integration costs the extra read; a device's goes on at once.
        if let leaf, attempt.password == nil, leaf.uniformResourceIdentifiers.contains(where: IdentityNamespace.namesIntegration),
           let integration = try await authenticateIntegration(leaf, der: der, attempt)
        {
            return integration
        }
        guard let leaf, let found = try await devices.lookUp(leaf, der: der) else {
            signals?.post(.authenticationFailed(.mqttConnect, source: attempt.remoteAddress, target: nil, at: store.clock.now))
            return .refused(.notAuthorized, "the client certificate does not name a device of this hub")
        }
        guard found.householdActive else { return .refused(.notAuthorized, DeviceAuthenticator.householdSuspended.reason) }
        let id = found.device.id.rawValue
        guard attempt.clientID.isEmpty || attempt.clientID == id else {
            return .refused(.clientIdentifierNotValid, "a device connects with its device id (\(id)) as client identifier")
        }
        let facts = found.facts.revoked(if: pki.isRevoked(serial: found.certificate.serial))
        connections?.record(found.device.id, at: store.clock.now)
        return .accepted(BrokerClient(
            household: found.device.householdID, subject: .device(found.policyFacts, presenting: facts),
            sessionKey: "device:\(id)", clientID: id, certificateSerial: facts.serial, tokenID: nil,
            validUntil: found.certificate.notAfter, auditSubject: "device:\(id)", assignedClientID: attempt.clientID.isEmpty))
    }

    /// An integration's certificate (profile `integration`): the app of the live grant of the
    /// OAuth client it names, with the grant's scopes. Nil when the certificate is not an
    /// integration's, so that it is tried as a device's.
    private func authenticateIntegration(_ leaf: Certificate, der: [UInt8], _ attempt: ConnectAttempt) async throws -> ConnectVerdict? {
        let serial = SerialNumberText.hex(leaf.serialNumber)
        let now = store.clock.now
        let trustDomain = pki.trustDomain
        enum Outcome { case notIntegration, refused(String), accepted(AppFacts, OAuthGrantRecord) }
        let outcome = try await store.read { db -> Outcome in
            guard let record = try await db.pki.certificate(serial: serial), record.profile == CertificateProfile.integration.rawValue,
                  record.certificateDER == der, let household = record.householdID.flatMap(HouseholdID.init),
                  let client = IdentityNamespace(trustDomain: trustDomain, householdID: household).integrationClient(in: record.uri)
            else { return .notIntegration }
            guard record.status == .valid, !pki.isRevoked(serial: serial) else { return .refused("the integration's certificate is revoked") }
            guard let grant = try await IntegrationGrants.live(client: client, household: household, at: now, in: db) else {
                return .refused("the integration's grant was revoked or has ended")
            }
            guard let person = grant.person, let scopes = try? ScopeSet(parsing: grant.scope),
                  let app = try await Self.app(
                      person, household: household, scopes: Set(scopes.tokens), possession: .certificate(serial: serial), in: db)
            else { return .refused("the person who granted the integration no longer belongs to an active household") }
            return .accepted(app, grant)
        }
        switch outcome {
        case .notIntegration:
            return nil
        case .refused(let reason):
            signals?.post(.authenticationFailed(.mqttConnect, source: attempt.remoteAddress, target: nil, at: now))
            return .refused(.notAuthorized, reason)
        case .accepted(let app, let grant):
            let clientID = attempt.clientID.isEmpty ? "integration-" + Base64URL.encode(SecureRandom.bytes(12)) : attempt.clientID
            let validUntil = [leaf.notValidAfter, grant.expiresAt, app.access.closing(after: now)].compactMap { $0 }.min()!
            return .accepted(BrokerClient(
                household: app.household, subject: .app(app),
                sessionKey: "app:\(app.person):\(grant.clientID):\(clientID)", clientID: clientID, certificateSerial: serial,
                tokenID: nil, grantID: grant.id, validUntil: validUntil, auditSubject: "person:\(app.person)",
                assignedClientID: attempt.clientID.isEmpty))
        }
    }

    /// An access token as the password: a bearer token as it is; a DPoP-bound one with its proof
    /// as MQTT 5 authentication data; a certificate-bound one only with that certificate, which
    /// ``authenticate(_:)`` routes here.
    private func authenticateApp(token: String, _ attempt: ConnectAttempt) async throws -> ConnectVerdict {
        let claims: AccessTokenClaims
        do {
            claims = try await tokens.signedClaims(token, dpop: false)
        } catch let refusal as AccessTokenVerifier.Refusal {
            if !refusal.routine { try await tokens.audit(refusal: refusal.error.reason, source: attempt.remoteAddress, endpoint: "mqtt") }
            return .refused(.badUserNameOrPassword, refusal.error.reason)
        }
        let possession: Possession
        switch (claims.cnf?.jkt, claims.cnf?.x5tS256) {
        case (let jkt?, _):
            guard let proof = attempt.authenticationData else {
                return .refused(.notAuthorized, "this token is DPoP-bound: send a DPoP proof as MQTT 5 authentication (method DPoP)")
            }
            let verified: VerifiedProof
            do {
                verified = try await tokens.connectProof(proof, accessToken: token, port: attempt.localPort, replayChecked: attempt.relayed)
            } catch let error as OAuthError {
                try await tokens.audit(refusal: error.description, source: attempt.remoteAddress, endpoint: "mqtt")
                return .refused(.notAuthorized, error.description)
            }
            guard verified.jkt == jkt else {
                try await tokens.audit(refusal: "a DPoP proof by another key", source: attempt.remoteAddress, endpoint: "mqtt")
                return .refused(.notAuthorized, "the DPoP proof is not signed by the key this token is bound to")
            }
            possession = .dpop(jkt: jkt)
        case (nil, _?):
            return .refused(.notAuthorized, "this token is bound to a certificate: present it in the TLS handshake")
        case (nil, nil):
            guard attempt.authenticationMethod == nil else {
                return .refused(.notAuthorized, "a DPoP proof goes with a DPoP-bound token; this is a bearer token")
            }
            possession = .bearer
        }
        return try await authenticateApp(claims, attempt, possession: possession)
    }

    /// A token whose binding was checked: live, naming a person of an active household.
    private func authenticateApp(
        _ claims: AccessTokenClaims, _ attempt: ConnectAttempt, possession: Possession
    ) async throws -> ConnectVerdict {
        guard try await tokens.isActive(claims) else {
            try await tokens.audit(refusal: "the token was revoked", source: attempt.remoteAddress, endpoint: "mqtt")
            return .refused(.badUserNameOrPassword, "the token was revoked")
        }
        guard let personID = PersonID(claims.sub), let scopes = try? ScopeSet(parsing: claims.scope),
              let app = try await store.read({ db -> AppFacts? in
                  guard let token = try await db.oauthGrants.accessToken(jti: claims.jti) else { return nil }
                  return try await Self.app(
                      personID, household: token.householdID, scopes: Set(scopes.tokens), possession: possession, in: db)
              })
        else { return .refused(.notAuthorized, "the token does not name a person of an active household") }
        let now = store.clock.now
        let clientID = attempt.clientID.isEmpty ? "app-" + Base64URL.encode(SecureRandom.bytes(12)) : attempt.clientID
        // A guest's session ends when their hours or period close, whichever comes first.
        let tokenExpiry = Date(timeIntervalSince1970: TimeInterval(claims.exp))
        let validUntil = app.access.closing(after: now).map { min($0, tokenExpiry) } ?? tokenExpiry
        return .accepted(BrokerClient(
            household: app.household, subject: .app(app),
            sessionKey: "app:\(personID):\(claims.clientID):\(clientID)", clientID: clientID, certificateSerial: nil,
            tokenID: claims.jti, validUntil: validUntil, auditSubject: "person:\(personID)",
            assignedClientID: attempt.clientID.isEmpty))
    }

    /// The app as the policy sees it: the person in the household the token is for (its
    /// client's), with the devices their access reaches resolved now; nil when the person no
    /// longer belongs there or the household is not active.
    static func app(
        _ person: PersonID, household: HouseholdID, scopes: Set<String>, possession: Possession, in db: StoreSession
    ) async throws -> AppFacts? {
        guard let (membership, state) = try await db.memberships.findWithHouseholdState(person: person, household: household),
              state == .active
        else { return nil }
        let access = membership.access
        let reachable: Set<DeviceID>? = access.reachesEveryDevice
            ? nil
            : Set(try await db.devices.all(in: household).filter { access.reaches($0.id, zone: $0.zone) }.map(\.id))
        return AppFacts(
            person: person, household: household, scopes: scopes, access: access, reachableDevices: reachable,
            possession: possession)
    }

    package func device(_ id: Substring, in household: HouseholdID) async -> DeviceFacts? {
        guard let id = DeviceID(String(id)),
              let device = try? await store.read({ db in try await db.devices.find(id) }),
              device.householdID == household
        else { return nil }
        return DeviceFacts(device)
    }

    /// Reads again what each client's identity rests on and asks the policy engine whether it
    /// may still be connected; a device whose record changed (zone, state) reconnects with fresh facts.
    package func revalidate(_ clients: [BrokerClient]) async -> [String: Cutoff] {
        let now = store.clock.now
        let verdicts = try? await store.read { db -> [String: Cutoff] in
            var refused: [String: Cutoff] = [:]
            for client in clients {
                switch client.subject {
                case .device(let facts, let presented):
                    guard let device = try await db.devices.find(facts.id),
                          let record = try await db.pki.certificate(serial: presented.serial)
                    else {
                        refused[client.sessionKey] = Cutoff(.notAuthorized, "the device or its certificate is gone")
                        continue
                    }
                    guard try await db.households.find(device.householdID)?.state == .active else {
                        refused[client.sessionKey] = Cutoff(.notAuthorized, DeviceAuthenticator.householdSuspended.reason)
                        continue
                    }
                    let fresh = try await FirmwarePosture.facts(device, in: db)
                    let certificate = presented.revoked(
                        if: record.status == .revoked || pki.isRevoked(serial: presented.serial))
                    let decision = PolicyEngine.decide(
                        .device(fresh, presenting: certificate), .connectMessaging, .broker, PolicyContext(now: now))
                    if !decision.allowed {
                        refused[client.sessionKey] = Cutoff(.notAuthorized, decision.reason)
                    } else if fresh != facts {
                        refused[client.sessionKey] = Cutoff(.administrativeAction, "the device's record changed (zone, state or firmware posture); connect again")
                    }
                case .app(let facts):
                    if let grant = client.grantID {
                        guard let grant = try await db.oauthGrants.find(grant), try await IntegrationGrants.isLive(grant, at: now, in: db) else {
                            refused[client.sessionKey] = Cutoff(.notAuthorized, "the integration's grant was revoked")
                            continue
                        }
                    } else {
                        guard let jti = client.tokenID, try await db.oauthGrants.isAccessTokenActive(jti: jti, at: now) else {
                            refused[client.sessionKey] = Cutoff(.notAuthorized, "the access token was revoked")
                            continue
                        }
                    }
                    if case .certificate(let serial) = facts.possession {
                        let record = try await db.pki.certificate(serial: serial)
                        guard record?.status == .valid, !pki.isRevoked(serial: serial) else {
                            refused[client.sessionKey] = Cutoff(.notAuthorized, "the certificate the token is bound to was revoked")
                            continue
                        }
                    }
                    guard let fresh = try await Self.app(
                              facts.person, household: facts.household, scopes: facts.scopes, possession: facts.possession, in: db),
                          PolicyEngine.decide(.app(fresh), .connectMessaging, .broker, PolicyContext(now: now)).allowed
                    else {
                        refused[client.sessionKey] = Cutoff(.notAuthorized, "the person's access to the household ended or is not open now")
                        continue
                    }
                    if fresh != facts {
                        refused[client.sessionKey] = Cutoff(.administrativeAction, "the person's access changed; connect again")
                    }
                case .person, .hubOperator:
                    refused[client.sessionKey] = Cutoff(.notAuthorized, "people connect through an app")
                }
            }
            return refused
        }
        // When the store cannot answer, nobody is cut off on a guess; the next change tries again.
        return verdicts ?? [:]
    }

    package func presentingRevokedCertificates(_ clients: [BrokerClient]) -> [String: Cutoff] {
        var refused: [String: Cutoff] = [:]
        for client in clients {
            switch client.subject {
            case .device(_, let presented) where pki.isRevoked(serial: presented.serial):
                refused[client.sessionKey] = Cutoff(.notAuthorized, "certificate \(presented.serial) is revoked")
            case .app(let facts):
                if case .certificate(let serial) = facts.possession, pki.isRevoked(serial: serial) {
                    refused[client.sessionKey] = Cutoff(.notAuthorized, "the certificate the token is bound to was revoked")
                }
            default:
                break
            }
        }
        return refused
    }

    package func audit(_ denials: [DenialSummary]) async {
        try? await store.write { db in
            for denial in denials {
                try await db.audit.append(AuditEvent(
                    .mqttDenied, actor: Self.actor(denial.auditSubject), subject: denial.auditSubject,
                    household: denial.household, reason: denial.reason,
                    details: [
                        "action": denial.action.rawValue, "code": denial.code, "count": String(denial.count),
                        "sample": denial.sample,
                    ]))
            }
        }
    }

    private static func actor(_ subject: String) -> AuditActor {
        if subject.hasPrefix("device:"), let id = DeviceID(String(subject.dropFirst(7))) { return .device(id) }
        if subject.hasPrefix("person:"), let id = PersonID(String(subject.dropFirst(7))) { return .person(id) }
        return .system("mqtt")
    }
}
