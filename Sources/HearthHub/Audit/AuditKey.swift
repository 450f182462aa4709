import Crypto
import struct Foundation.Date
import HearthAudit
import HearthCore
import HearthStore

/// The hub's Ed25519 audit key: made at init, sealed under the KEK like every hub key (or made in
/// the hub's PKCS#11 token), and used
/// only to sign checkpoints of the log named `<trust domain>/audit`.
public enum AuditKey {
    public static func origin(trustDomain: String) -> String { "\(trustDomain)/audit" }

    /// A new key, sealed for storage.
    package static func generate(trustDomain: String, sealer: KeySealer, now: Date) throws -> AuditRecords.SigningKey {
        let key = try sealer.makeKey(.ed25519, label: "hearth audit \(trustDomain)")
        let verifier = try CheckpointSigner(origin: origin(trustDomain: trustDomain), key: key).verifierKey
        let keyID = verifier.keyID.hexString
        return AuditRecords.SigningKey(
            keyID: keyID, verifierKey: verifier.description,
            sealedKey: try sealer.store(key, name: sealedName(keyID)), createdAt: now)
    }

    /// The checkpoint signer from the newest stored key; a hub made before the audit log existed
    /// gets its key now.
    public static func loadSigner(store: Store, sealer: KeySealer) async throws -> CheckpointSigner {
        let stored = try await store.write { db -> (AuditRecords.SigningKey, String) in
            guard let identity = try await db.hub.identity() else {
                throw HearthError(.notInitialized, "the database holds no hub; run `hearth init` first")
            }
            if let key = try await db.audit.signingKey() { return (key, identity.trustDomain) }
            let key = try generate(trustDomain: identity.trustDomain, sealer: sealer, now: store.clock.now)
            try await db.audit.insert(key)
            return (key, identity.trustDomain)
        }
        return try CheckpointSigner(
            origin: origin(trustDomain: stored.1),
            key: try sealer.openKey(stored.0.sealedKey, .ed25519, name: sealedName(stored.0.keyID)))
    }

    /// The verifier key of the newest signing key, read from the database.
    public static func storedVerifier(_ store: Store) async throws -> NoteVerifierKey {
        guard let key = try await store.read({ db in try await db.audit.signingKey() }) else {
            throw HearthError(.notInitialized, "the database holds no audit key")
        }
        return try NoteVerifierKey(parsing: key.verifierKey)
    }

    package static func sealedName(_ keyID: String) -> String { "audit:\(keyID)" }
}
