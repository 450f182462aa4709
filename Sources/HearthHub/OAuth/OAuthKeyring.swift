import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// The hub's token-signing keys: one active ES256 key and the retired ones still published until
/// every token they signed has expired. Keys are sealed under the KEK (or live in the hub's token); every process reloads the
/// set when another one rotates it.
package actor OAuthKeyring {
    /// RFC 9068 tokens here live at most this long; a retired key is published this long (plus
    /// leeway) after it stops signing.
    package static let accessTokenLifetime = 600
    package static let overlap: TimeInterval = TimeInterval(accessTokenLifetime + 120)

    private let store: Store
    private let sealer: KeySealer
    private var revision: String?
    private var signer: TokenSigner?

    package init(store: Store, sealer: KeySealer) {
        self.store = store
        self.sealer = sealer
    }

    /// The signer for the current key set, loading it (and making the first key) when needed.
    package func current() async throws -> TokenSigner {
        if let signer { return signer }
        try await reload()
        guard let signer else { throw HearthError(.storageUnavailable, "no token-signing key could be loaded") }
        return signer
    }

    /// Reloads when the published key set changed (a rotation by this or another process, or the
    /// end of a retired key's overlap).
    package func refresh() async throws {
        let stored = try await store.read { db in try await db.oauthKeys.revision(at: db.clock.now) }
        if stored != revision { try await reload() }
    }

    private func reload() async throws {
        let sealer = self.sealer
        let (records, revision) = try await store.read { db in
            (try await db.oauthKeys.published(at: db.clock.now), try await db.oauthKeys.revision(at: db.clock.now))
        }
        guard let active = records.first(where: { $0.retiredAt == nil }) else {
            throw HearthError(.storageUnavailable, "no active token-signing key")
        }
        let key = try sealer.openKey(active.sealedKey, .p256, name: Self.sealName(active.kid))
        let verifying = try records.filter { $0.retiredAt != nil }.map {
            try JSONDecoder().decode(PublicJWK.self, from: Data($0.publicJWK.utf8))
        }
        signer = try TokenSigner(active: SigningKey(kid: active.kid, key: key), verifying: verifying)
        self.revision = revision
    }

    /// Makes the first signing key when there is no active one.
    package static func ensureKey(in db: StoreSession, sealer: KeySealer, actor: AuditActor) async throws {
        guard try await db.oauthKeys.published(at: db.clock.now).contains(where: { $0.retiredAt == nil }) else {
            try await addKey(in: db, sealer: sealer, actor: actor, action: .oauthKeyCreated)
            return
        }
    }

    /// Retires the active key (published until its last token expires) and makes a new one.
    package static func rotate(store: Store, sealer: KeySealer, actor: AuditActor) async throws -> String {
        try await store.write { db in
            let now = db.clock.now
            let retired = try await db.oauthKeys.retireActive(at: now, verifyUntil: now.addingTimeInterval(overlap))
            return try await addKey(
                in: db, sealer: sealer, actor: actor, action: .oauthKeyRotated,
                details: ["retired": retired.joined(separator: " ")])
        }
    }

    @discardableResult
    private static func addKey(
        in db: StoreSession, sealer: KeySealer, actor: AuditActor, action: AuditAction, details: [String: String] = [:]
    ) async throws -> String {
        let key = try SigningKey(key: sealer.makeKey(.p256, label: "hearth token signing"))
        let jwk = String(decoding: try JSONEncoder().encode(key.publicJWK), as: UTF8.self)
        try await db.oauthKeys.insert(OAuthSigningKeyRecord(
            kid: key.kid, sealedKey: try sealer.store(key.key, name: sealName(key.kid)),
            publicJWK: jwk, createdAt: db.clock.now))
        try await db.audit.append(AuditEvent(
            action, actor: actor, subject: "oauth-key:\(key.kid)", household: nil, reason: "token-signing key (ES256)", details: details))
        return key.kid
    }

    /// The sealed blob's AAD: a key cannot be swapped for another one's row.
    package static func sealName(_ kid: String) -> String { "oauth-key:\(kid)" }
}
