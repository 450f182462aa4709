import HearthAudit
import HearthCore
import HearthStore

/// Re-seals every private key of the hub (CA keys, the hub's TLS key, audit keys) under a new
/// key-encryption key, in one transaction with its audit entry. The caller installs the new KEK
/// only after this commits; until then the old one still opens everything, and a ``KeySealer``
/// given the new one as an alternate opens both, so a crash at any point loses no key.
public enum KEKRotation {
    /// Returns how many keys were re-sealed.
    @discardableResult
    public static func reseal(store: Store, from old: KeySealer, to new: KeySealer, actor: AuditActor) async throws -> Int {
        try await store.write { db in
            var count = 0
            for key in try await db.hub.keys() {
                let plaintext = try old.open(key.sealedKey, name: key.name)
                try await db.hub.replace(.init(
                    name: key.name, sealedKey: try new.seal(plaintext, name: key.name),
                    certificatePEM: key.certificatePEM, createdAt: key.createdAt))
                count += 1
            }
            for key in try await db.audit.signingKeys() {
                let name = AuditKey.sealedName(key.keyID)
                try await db.audit.updateSealedKey(
                    keyID: key.keyID, try new.seal(try old.open(key.sealedKey, name: name), name: name))
                count += 1
            }
            for authority in try await db.pki.authorities() {
                let name = LoadedAuthority.sealedName(authority.id)
                try await db.pki.updateSealedKey(
                    authority: authority.id, try new.seal(try old.open(authority.sealedKey, name: name), name: name))
                count += 1
            }
            for expectation in try await db.pairing.allExpectations() {
                let name = PairingService.sealedName(expectation.id)
                try await db.pairing.updateSealedKeys(
                    expectation: expectation.id, try new.seal(try old.open(expectation.sealedKeys, name: name), name: name))
                count += 1
            }
            for expectation in try await db.attestation.expectationsWithClaimCodes() {
                guard let sealed = expectation.sealedClaimKeys else { continue }
                let name = PairingService.claimSealedName(expectation.serial)
                try await db.attestation.updateSealedClaimKeys(
                    serial: expectation.serial, try new.seal(try old.open(sealed, name: name), name: name))
                count += 1
            }
            for key in try await db.oauthKeys.all() {
                let name = OAuthKeyring.sealName(key.kid)
                try await db.oauthKeys.reseal(kid: key.kid, sealedKey: try new.seal(try old.open(key.sealedKey, name: name), name: name))
                count += 1
            }
            for factor in try await db.secondFactors.allSealed() {
                let name = SecondFactor.sealName(factor.person)
                try await db.secondFactors.reseal(person: factor.person, sealed: try new.seal(try old.open(factor.sealed, name: name), name: name))
                count += 1
            }
            for webhook in try await db.webhooks.all() {
                let name = AlertWebhooks.secretName(webhook.scope)
                try await db.webhooks.reseal(scope: webhook.scope, try new.seal(try old.open(webhook.secretSealed, name: name), name: name))
                count += 1
            }
            count += try await TUFRepository.reseal(db, from: old, to: new)
            try await db.audit.append(AuditEvent(
                .kekRotated, actor: actor, subject: "hub:kek", household: nil, reason: "key-encryption key rotated",
                details: ["keys": "\(count)"]))
            return count
        }
    }
}
