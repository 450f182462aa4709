import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthStore

/// Setup-secret mode: the owner announces the device by its secret; the device proves it knows
/// the secret and gets its certificate in one round trip, with the hub's proof in return.
extension PairingService {
    /// Registers a device expected to pair with `secret` within `minutes` (1 minute to 24 hours);
    /// only the secret's id and its sealed MAC keys are stored. A secret that paired a device
    /// before expects it again only once that identity is decommissioned (``Recommissioning``):
    /// the device then pairs as a new identity.
    public func expect(
        secret: SetupSecret, household: HouseholdID, zone: Zone, name: String, minutes: Int, actor: AuditActor
    ) async throws -> PairingExpectationRecord {
        guard (1...Self.maximumExpectationMinutes).contains(minutes) else {
            throw HearthError(.invalidInput, "an expected device may pair within 1 minute to 24 hours")
        }
        let name = try Device.validatedName(name)
        let sealer = pki.sealer
        return try await store.write { db in
            let now = db.clock.now
            guard try await db.households.zones(of: household).contains(zone) else {
                throw HearthError(.notFound, "the household has no zone \(zone)")
            }
            let record = PairingExpectationRecord(
                id: secret.id, householdID: household.rawValue, zone: zone.name, name: name,
                sealedKeys: try sealer.seal(secret.macKeys, name: Self.sealedName(secret.id)), createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(minutes * 60)))
            var details = ["zone": zone.name, "name": name, "expires_at": RFC3339.format(record.expiresAt)]
            if let previous = try await db.pairing.expectation(id: secret.id) {
                let device = try await Self.pairedDevice(previous.deviceID, in: db)
                if let holder = Recommissioning.holder(
                    usedAt: previous.usedAt, expiresAt: previous.expiresAt, device: device, now: now)
                {
                    throw Recommissioning.refusal(holder, thing: "setup secret", asking: household)
                }
                guard try await db.pairing.replaceExpectation(record, previous: previous) else {
                    throw HearthError(.conflict, "this setup secret was registered a moment ago")
                }
                if let old = previous.deviceID { details["recommissions"] = old }
            } else {
                try await db.pairing.insert(record)
            }
            try await db.audit.append(AuditEvent(
                .pairingExpected, actor: actor, subject: "pairing:\(record.id)", household: household,
                reason: details["recommissions"] == nil
                    ? "a device is expected with its setup secret"
                    : "a decommissioned device is expected again with its setup secret, to pair as a new identity",
                details: details))
            return record
        }
    }

    /// A device proves its setup secret over its CSR and the hub key it saw. The same refusal
    /// answers an unknown, used or expired expectation and a wrong proof, so the endpoint tells
    /// a guesser nothing.
    public func pairWithSecret(
        expectationID: String, csr: CertificateRequest, deviceNonce: [UInt8], hubKey: [UInt8], proof: [UInt8], source: String
    ) async throws -> (PairedDevice, hubProof: [UInt8]) {
        let actor = AuditActor.anonymous(address: source)
        var keys = [Self.sourceKey(source)]
        try await checkThrottle(keys)
        let now = store.clock.now
        let invalid = HearthError(.unauthenticated, code: "pairing-proof-invalid",
            "the setup secret proof was not accepted (unknown, used or expired secret, or a wrong proof)")
        let found = try await store.read { db in try await db.pairing.expectation(id: expectationID) }
        guard let expectation = found, expectation.usedAt == nil, now < expectation.expiresAt,
              let household = HouseholdID(expectation.householdID)
        else {
            throw try await refuse(invalid, keys: keys, actor: actor, subject: "pairing:secret", household: nil)
        }
        keys.append(Self.householdKey(household))
        try await checkThrottle(keys)
        let subject = "pairing:\(expectation.id)"
        guard isServedKey(hubKey) else {
            throw try await refuse(
                HearthError(.conflict, code: "hub-key-mismatch", "the TLS key you saw is not this hub's; something is between you and the hub"),
                keys: keys, actor: actor, subject: subject, household: household)
        }
        let proofs = try SetupSecretProofs(
            macKeys: try pki.sealer.open(expectation.sealedKeys, name: Self.sealedName(expectation.id)))
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr.der), hubKeyHash: hubKey)
        guard constantTimeEquals(proofs.deviceProof(id: expectation.id, material: material, deviceNonce: deviceNonce), proof) else {
            throw try await refuse(invalid, keys: keys, actor: actor, subject: subject, household: household)
        }
        let prepared = try Self.prepareFirstCertificate(
            csr: csr, household: household, zone: try Zone(expectation.zone), name: expectation.name, pki: pki,
            actor: actor)
        let issued = try await store.write { db -> IssuedCertificate in
            let issued = try await RecordedIssuance.commit([prepared], in: db)[0].get()
            guard let device = issued.record.deviceID,
                  try await db.pairing.useExpectation(id: expectation.id, device: device, at: db.clock.now)
            else { throw invalid }
            try await db.audit.append(AuditEvent(
                .pairingCompleted, actor: AuditActor(.device, device), subject: subject, household: household,
                reason: "paired with its setup secret",
                details: ["zone": expectation.zone, "serial": issued.record.serial, "source": source]))
            try await throttle.clear(Self.householdKey(household), in: db)
            return issued
        }
        let root = pki.authorities.root
        let hubProof = proofs.hubProof(
            id: expectation.id, material: material, deviceNonce: deviceNonce, certificateDER: issued.record.certificateDER,
            rootDER: root.record.certificateDER)
        return (PairedDevice(issued: issued, rootPEM: root.pem, rootDER: root.record.certificateDER), hubProof)
    }

    public func expectations(household: HouseholdID) async throws -> [PairingExpectationRecord] {
        try await store.read { db in try await db.pairing.expectations(household: household) }
    }
}
