import HearthAudit
import HearthCore
import HearthStore

/// Re-seals every private key of the hub (CA keys, the hub's TLS key, audit keys) under a new
/// key-encryption key, in one transaction with its audit entry. The caller installs the new KEK
/// only after this commits; until then the old one still opens everything, and a ``KeySealer``
/// given the new one as an alternate opens both, so a crash at any point loses no key.
///
/// Keys in the hub's PKCS#11 token are not under the KEK: their rows hold references, which stay.
public enum KEKRotation {
    public struct Outcome: Sendable, Equatable {
        /// Keys re-sealed under the new KEK.
        public var resealed = 0
        /// Signing keys in the PKCS#11 token, which the KEK does not protect: nothing to do for them.
        public var inToken = 0
    }

    @discardableResult
    public static func reseal(store: Store, from old: KeySealer, to new: KeySealer, actor: AuditActor) async throws -> Outcome {
        try await store.write { db in
            var outcome = Outcome()
            /// The signing keys' rows: re-sealed, or left as they are when they name a key in the token.
            func resealSigningKey(_ stored: [UInt8], name: String, _ update: ([UInt8]) async throws -> Void) async throws {
                guard !KeySealer.isInToken(stored) else {
                    outcome.inToken += 1
                    return
                }
                try await update(try new.seal(try old.open(stored, name: name), name: name))
                outcome.resealed += 1
            }
            for key in try await db.hub.keys() {
                try await resealSigningKey(key.sealedKey, name: key.name) { sealed in
                    try await db.hub.replace(.init(
                        name: key.name, sealedKey: sealed, certificatePEM: key.certificatePEM, createdAt: key.createdAt))
                }
            }
            for key in try await db.audit.signingKeys() {
                try await resealSigningKey(key.sealedKey, name: AuditKey.sealedName(key.keyID)) { sealed in
                    try await db.audit.updateSealedKey(keyID: key.keyID, sealed)
                }
            }
            for authority in try await db.pki.authorities() {
                try await resealSigningKey(authority.sealedKey, name: LoadedAuthority.sealedName(authority.id)) { sealed in
                    try await db.pki.updateSealedKey(authority: authority.id, sealed)
                }
            }
            for expectation in try await db.pairing.allExpectations() {
                let name = PairingService.sealedName(expectation.id)
                try await db.pairing.updateSealedKeys(
                    expectation: expectation.id, try new.seal(try old.open(expectation.sealedKeys, name: name), name: name))
                outcome.resealed += 1
            }
            for expectation in try await db.attestation.expectationsWithClaimCodes() {
                guard let sealed = expectation.sealedClaimKeys else { continue }
                let name = PairingService.claimSealedName(expectation.serial)
                try await db.attestation.updateSealedClaimKeys(
                    serial: expectation.serial, try new.seal(try old.open(sealed, name: name), name: name))
                outcome.resealed += 1
            }
            for key in try await db.oauthKeys.all() {
                try await resealSigningKey(key.sealedKey, name: OAuthKeyring.sealName(key.kid)) { sealed in
                    try await db.oauthKeys.reseal(kid: key.kid, sealedKey: sealed)
                }
            }
            for factor in try await db.secondFactors.allSealed() {
                let name = SecondFactor.sealName(factor.person)
                try await db.secondFactors.reseal(person: factor.person, sealed: try new.seal(try old.open(factor.sealed, name: name), name: name))
                outcome.resealed += 1
            }
            for webhook in try await db.webhooks.all() {
                let name = AlertWebhooks.secretName(webhook.scope)
                try await db.webhooks.reseal(scope: webhook.scope, try new.seal(try old.open(webhook.secretSealed, name: name), name: name))
                outcome.resealed += 1
            }
            outcome.resealed += try await TUFRepository.reseal(db, from: old, to: new)
            try await db.audit.append(AuditEvent(
                .kekRotated, actor: actor, subject: "hub:kek", household: nil, reason: "key-encryption key rotated",
                details: ["keys": "\(outcome.resealed)", "in_token": "\(outcome.inToken)"]))
            return outcome
        }
    }
}
