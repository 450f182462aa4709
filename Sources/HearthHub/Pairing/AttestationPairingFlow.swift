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

    /// The device's attestation chain (its certificate first), if `chainPEM` (at most
    /// ``maximumAttestationChain`` certificates) chains to one of `roots` at `now` and its key
    /// signed the challenge and pairing material; nil otherwise. No I/O: the fuzzer runs it too.
    package static func verifiedAttestation(
        chainPEM: String, roots: [Certificate], signature: [UInt8], challenge: [UInt8], material: PairingMaterial, now: Date
    ) async -> [Certificate]? {
        let chain = (try? PEMDocument.parseMultiple(pemString: chainPEM).map { try Certificate(pemDocument: $0) }) ?? []
        guard let attestation = chain.first, chain.count <= maximumAttestationChain else { return nil }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(fixedExpiryValidationTime: now) }
        guard case .validCertificate = await verifier.validate(leaf: attestation, intermediates: CertificateStore(Array(chain.dropFirst()))),
              Attestation.verify(signature: signature, challenge: challenge, material: material, attestation: attestation)
        else { return nil }
        return chain
    }

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
            var details = ["name": name, "expires_at": RFC3339.format(record.expiresAt)]
            if let previous = try await db.attestation.expectation(serial: serial) {
                // Once used, the row binds the serial to the identity it paired as: that identity
                // must be decommissioned before the serial is expected again.
                let device = try await Self.pairedDevice(previous.deviceID, in: db)
                if let holder = Recommissioning.holder(
                    usedAt: previous.usedAt, expiresAt: previous.expiresAt, device: device, now: now)
                {
                    throw Recommissioning.refusal(holder, thing: "serial", asking: household)
                }
                guard try await db.attestation.replaceExpectation(record, previous: previous) else {
                    throw HearthError(.conflict, "a device with that serial was expected or paired a moment ago")
                }
                if let old = previous.deviceID { details["recommissions"] = old }
            } else {
                try await db.attestation.insertExpectation(record)
            }
            try await db.audit.append(AuditEvent(
                .pairingExpected, actor: actor, subject: "serial:\(serial)", household: household,
                reason: zone.map { "an attested device is expected in zone \($0)" } ?? "an attested device is expected; it will wait to be claimed",
                details: details))
            return record
        }
    }

    package static func claimSealedName(_ serial: String) -> String { "claim:\(serial)" }

    // MARK: the device's side

    /// A challenge for the device to sign (5 minutes, used once). Nothing is stored: the challenge
    /// carries its expiry and the hub's MAC (``AttestationChallenge``), so anyone may ask for as
    /// many as they like without changing the database.
    public func attestationChallenge(source: String) async throws -> (challenge: [UInt8], expiresIn: Int) {
        try await checkThrottle([Self.sourceKey(source)])
        return (challenges.make(at: store.clock.now), Int(Self.challengeLifetime))
    }

    /// The device presents its attestation chain and its signature over the challenge, its CSR
    /// and the hub key it saw.
    ///
    /// Placement, and re-commissioning: a serial that paired before is bound to the identity it
    /// paired as (its expectation row, used); while that identity is in service the serial is
    /// refused, in every household, so a cloned attestation key cannot make a twin. Once it is
    /// decommissioned the device pairs again as a new identity — by a new expectation, or through
    /// the open window — and the binding moves to the new identity.
    public func pairWithAttestation(
        challenge: [UInt8], csr: CertificateRequest, hubKey: [UInt8], chainPEM: String, signature: [UInt8], source: String
    ) async throws -> (PairedDevice, hubProof: [UInt8]?) {
        let actor = AuditActor.anonymous(address: source)
        let keys = [Self.sourceKey(source)]
        try await checkThrottle(keys)
        let invalid = HearthError(.unauthenticated, code: "attestation-invalid",
            "the attestation was not accepted (unknown or used challenge, untrusted manufacturer, or a wrong signature)")
        let now = store.clock.now
        // A challenge the hub made, unexpired, and not used by an earlier pairing. It is recorded
        // as used only in the pairing's own transaction below, so a refusal writes no row for it.
        let challengeDigest = PairingMaterial.hash(challenge).hexString
        guard let challengeExpires = challenges.check(challenge, at: now),
              try await !store.read({ db in try await db.attestation.isChallengeUsed(digest: challengeDigest) })
        else { throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:attest", household: nil) }
        guard isServedKey(hubKey) else {
            throw try await refuse(
                HearthError(.conflict, code: "hub-key-mismatch", "the TLS key you saw is not this hub's; something is between you and the hub"),
                keys: keys, actor: actor, subject: "pairing:attest", household: nil)
        }
        let roots = try await store.read { db in try await db.attestation.roots() }
            .compactMap { try? Certificate(derEncoded: $0.certificateDER) }
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: hubKey)
        guard let chain = await Self.verifiedAttestation(
            chainPEM: chainPEM, roots: roots, signature: signature, challenge: challenge, material: material, now: now),
            let attestation = chain.first
        else { throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:attest", household: nil) }

        let serial = Attestation.deviceSerial(of: attestation)
        let (expected, open, bound) = try await store.read { db in
            let expected = try await db.attestation.expectation(serial: serial)
            return (expected, try await db.pairing.openWindows(at: now), try await Self.pairedDevice(expected?.deviceID, in: db))
        }
        if let expected, case .inService(let device)? = Recommissioning.holder(
            usedAt: expected.usedAt, expiresAt: expected.expiresAt, device: bound, now: now)
        {
            throw try await refuse(
                HearthError(.conflict, code: "device-in-service",
                    "a device with this serial is in service already; its owner must decommission it before it pairs again"),
                keys: keys, actor: actor, subject: "serial:\(serial)", household: device.householdID)
        }
        let household: HouseholdID
        var zone = Zone.quarantine
        var name = "attested device \(serial.prefix(40))"
        var pending = true
        // An expectation not yet used and still open places the device; otherwise the one open window does.
        let usable = expected.flatMap { $0.usedAt == nil && now < $0.expiresAt ? HouseholdID($0.householdID) : nil }
        if let expected, let id = usable {
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
        let useExpectation = usable != nil
        let (placed, waiting, deviceName) = (zone, pending, name)
        let issued = try await store.write { db -> IssuedCertificate in
            guard try await db.attestation.recordUsedChallenge(digest: challengeDigest, expiresAt: challengeExpires) else {
                throw invalid  // the same challenge, used by a pairing that committed a moment ago
            }
            let issued = try await RecordedIssuance.commit([prepared], in: db)[0].get()
            let device = issued.record.deviceID ?? ""
            let pairedAt = db.clock.now
            let bound: Bool
            if useExpectation {
                bound = try await db.attestation.useExpectation(serial: serial, device: device, at: pairedAt)
            } else {
                // Admitted by the window: the serial is bound to this identity from now on.
                let binding = AttestedExpectationRecord(
                    serial: serial, householdID: household.rawValue, zone: nil, name: deviceName, createdAt: pairedAt,
                    expiresAt: pairedAt, usedAt: pairedAt, deviceID: device)
                if let expected {
                    bound = try await db.attestation.replaceExpectation(binding, previous: expected)
                } else {
                    do {
                        try await db.attestation.insertExpectation(binding)
                        bound = true
                    } catch let error as HearthError where error.code == .conflict { bound = false }
                }
            }
            guard bound else { throw HearthError(.conflict, "the device with serial \(serial) paired a moment ago") }
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
