import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthStore
import SwiftASN1
// The hub's clock (which tests set) decides expiry, so the policy takes a fixed validation time.
@_spi(FixedExpiryValidationTime) import X509

/// Zero-touch mode: a device attested by a manufacturer the admin trusts pairs without a code.
/// It lands in the `quarantine` zone, pending, until an owner claims it — unless its household
/// expects its serial with a zone (an enrollment rule), which places it there, active.
extension PairingService {
    public static let challengeLifetime: TimeInterval = 300
    package static let maximumAttestationChain = 4

    // MARK: the admin's trust

    /// Registers a manufacturer's attestation root (a self-signed CA certificate, PEM).
    public func addManufacturerRoot(pem: String, name: String, actor: AuditActor) async throws -> ManufacturerRootRecord {
        guard let certificate = try? Certificate(pemEncoded: pem) else {
            throw HearthError(.invalidInput, "the manufacturer root is not a PEM certificate")
        }
        guard (try? certificate.extensions.basicConstraints).map({ if case .isCertificateAuthority = $0 { true } else { false } }) == true,
              certificate.issuer == certificate.subject
        else { throw HearthError(.invalidInput, "a manufacturer root is a self-signed CA certificate") }
        let name = try Label.validated(name, what: "manufacturer")
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let der = serializer.serializedBytes
        return try await store.write { db in
            let record = ManufacturerRootRecord(
                id: PairingMaterial.hash(der).hexString, name: name, certificateDER: der, addedAt: db.clock.now)
            try await db.attestation.insertRoot(record)
            try await db.audit.append(AuditEvent(
                .manufacturerAdded, actor: actor, subject: "manufacturer:\(record.id)", household: nil,
                reason: "devices attested by \(name) may pair without a code",
                details: ["subject": "\(certificate.subject)".prefix(200).description]))
            return record
        }
    }

    public func manufacturerRoots() async throws -> [ManufacturerRootRecord] {
        try await store.read { db in try await db.attestation.roots() }
    }

    public func removeManufacturerRoot(id: String, actor: AuditActor) async throws {
        try await store.write { db in
            guard try await db.attestation.removeRoot(id: id) else {
                throw HearthError(.notFound, "no manufacturer root \(id.prefix(80))")
            }
            try await db.audit.append(AuditEvent(
                .manufacturerRemoved, actor: actor, subject: "manufacturer:\(id)", household: nil,
                reason: "no longer trusted for zero-touch pairing"))
        }
    }

    /// A household expects the device with this attested serial; with a zone it joins that zone
    /// at once (an enrollment rule), without one it waits in quarantine to be claimed. With the
    /// device's claim code, the hub proves itself to the device when it pairs.
    public func expectAttested(
        serial: String, household: HouseholdID, zone: Zone?, name: String, minutes: Int, claimCode: SetupSecret? = nil,
        actor: AuditActor
    ) async throws -> AttestedExpectationRecord {
        guard (1...Self.maximumExpectationMinutes).contains(minutes) else {
            throw HearthError(.invalidInput, "an expected device may pair within 1 minute to 24 hours")
        }
        guard !serial.isEmpty, serial.utf8.count <= 128, serial.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HearthError(.invalidInput, "a serial is 1 to 128 printable characters without spaces")
        }
        let name = try Device.validatedName(name)
        let sealedClaimKeys = try claimCode.map { try pki.sealer.seal($0.macKeys, name: Self.claimSealedName(serial)) }
        return try await store.write { db in
            if let zone, try await !db.households.zones(of: household).contains(zone) {
                throw HearthError(.notFound, "the household has no zone \(zone)")
            }
            let now = db.clock.now
            let record = AttestedExpectationRecord(
                serial: serial, householdID: household.rawValue, zone: zone?.name, name: name,
                sealedClaimKeys: sealedClaimKeys, createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(minutes * 60)))
            try await db.attestation.insertExpectation(record)
            try await db.audit.append(AuditEvent(
                .pairingExpected, actor: actor, subject: "serial:\(serial)", household: household,
                reason: zone.map { "an attested device is expected in zone \($0)" } ?? "an attested device is expected; it will wait to be claimed",
                details: ["name": name, "expires_at": RFC3339.format(record.expiresAt)]))
            return record
        }
    }

    package static func claimSealedName(_ serial: String) -> String { "claim:\(serial)" }

    // MARK: the device's side

    /// A single-use challenge for the device to sign (5 minutes).
    public func attestationChallenge(source: String) async throws -> (challenge: [UInt8], expiresIn: Int) {
        try await checkThrottle([Self.sourceKey(source)])
        let challenge = PairingNonce.make()
        try await store.write { db in
            try await db.attestation.insertChallenge(
                digest: PairingMaterial.hash(challenge).hexString, expiresAt: db.clock.now.addingTimeInterval(Self.challengeLifetime))
        }
        return (challenge, Int(Self.challengeLifetime))
    }

    /// The device presents its attestation chain and its signature over the challenge, its CSR
    /// and the hub key it saw.
    public func pairWithAttestation(
        challenge: [UInt8], csr: CertificateRequest, hubKey: [UInt8], chainPEM: String, signature: [UInt8], source: String
    ) async throws -> (PairedDevice, hubProof: [UInt8]?) {
        let actor = AuditActor.anonymous(address: source)
        let keys = [Self.sourceKey(source)]
        try await checkThrottle(keys)
        let invalid = HearthError(.unauthenticated, code: "attestation-invalid",
            "the attestation was not accepted (unknown or used challenge, untrusted manufacturer, or a wrong signature)")
        let now = store.clock.now
        let fresh = try await store.write { db in
            try await db.attestation.consumeChallenge(digest: PairingMaterial.hash(challenge).hexString, at: now)
        }
        guard fresh else { throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:attest", household: nil) }
        guard isServedKey(hubKey) else {
            throw try await refuse(
                HearthError(.conflict, code: "hub-key-mismatch", "the TLS key you saw is not this hub's; something is between you and the hub"),
                keys: keys, actor: actor, subject: "pairing:attest", household: nil)
        }
        let chain = (try? PEMDocument.parseMultiple(pemString: chainPEM).map { try Certificate(pemDocument: $0) }) ?? []
        guard let attestation = chain.first, chain.count <= Self.maximumAttestationChain else {
            throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:attest", household: nil)
        }
        let roots = try await store.read { db in try await db.attestation.roots() }
            .compactMap { try? Certificate(derEncoded: $0.certificateDER) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(fixedExpiryValidationTime: now) }
        let verified = await verifier.validate(leaf: attestation, intermediates: CertificateStore(Array(chain.dropFirst())))
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: hubKey)
        guard case .validCertificate = verified,
              Attestation.verify(signature: signature, challenge: challenge, material: material, attestation: attestation)
        else { throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:attest", household: nil) }

        let serial = Attestation.deviceSerial(of: attestation)
        let (expected, open) = try await store.read { db in
            (try await db.attestation.expectation(serial: serial), try await db.pairing.openWindows(at: now))
        }
        let household: HouseholdID
        var zone = Zone.quarantine
        var name = "attested device \(serial.prefix(40))"
        var pending = true
        if let expected, expected.usedAt == nil, now < expected.expiresAt, let id = HouseholdID(expected.householdID) {
            household = id
            name = expected.name
            if let rule = expected.zone.flatMap({ try? Zone($0) }) { (zone, pending) = (rule, false) }
        } else if open.count == 1 {
            household = open[0]
        } else {
            throw try await refuse(
                HearthError(.forbidden, code: "pairing-closed", "no household expects this device and pairing is not open for exactly one household"),
                keys: keys, actor: actor, subject: "serial:\(serial)", household: nil)
        }
        let prepared = try Self.prepareFirstCertificate(
            csr: csr, household: household, zone: zone, name: name, pending: pending, pki: pki, actor: actor)
        let useExpectation = expected != nil && expected?.householdID == household.rawValue
        let (placed, waiting) = (zone, pending)
        let issued = try await store.write { db -> IssuedCertificate in
            let issued = try await RecordedIssuance.commit([prepared], in: db)[0].get()
            let device = issued.record.deviceID ?? ""
            if useExpectation, try await !db.attestation.useExpectation(serial: serial, device: device, at: db.clock.now) {
                throw HearthError(.conflict, "the expected device \(serial) paired a moment ago")
            }
            try await db.audit.append(AuditEvent(
                .pairingCompleted, actor: AuditActor(.device, device), subject: "serial:\(serial)", household: household,
                reason: waiting ? "attested; waits in quarantine for an owner to claim it" : "attested; placed by its enrollment rule",
                details: ["zone": placed.name, "serial": issued.record.serial, "source": source,
                          "manufacturer": chain.last.map { "\($0.issuer)".prefix(200).description } ?? ""]))
            return issued
        }
        let root = pki.authorities.root
        let proof = try (useExpectation ? expected?.sealedClaimKeys : nil).map { sealed in
            Attestation.hubProof(
                claimCode: try SetupSecretProofs(macKeys: try pki.sealer.open(sealed, name: Self.claimSealedName(serial))),
                serial: serial, challenge: challenge, material: material, certificateDER: issued.record.certificateDER,
                rootDER: root.record.certificateDER)
        }
        return (PairedDevice(issued: issued, rootPEM: root.pem, rootDER: root.record.certificateDER), proof)
    }
}
