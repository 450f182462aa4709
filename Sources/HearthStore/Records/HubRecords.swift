import struct Foundation.Date
import HearthCore

/// Who this hub is (one row) and its sealed keys.
public struct HubRecords: Sendable {
    let db: any SQLExecutor

    public struct Identity: Sendable, Hashable {
        /// A random id naming this hub; the default trust domain is `<hubID>.home.arpa`.
        public let hubID: String
        public let trustDomain: String
        public let createdAt: Date

        public init(hubID: String, trustDomain: String, createdAt: Date) {
            self.hubID = hubID
            self.trustDomain = trustDomain
            self.createdAt = createdAt
        }
    }

    /// A private key sealed under the key-encryption key, with the certificate that goes with it.
    public struct SealedKey: Sendable, Hashable {
        public let name: String
        public let sealedKey: [UInt8]
        public let certificatePEM: String
        public let createdAt: Date

        public init(name: String, sealedKey: [UInt8], certificatePEM: String, createdAt: Date) {
            self.name = name
            self.sealedKey = sealedKey
            self.certificatePEM = certificatePEM
            self.createdAt = createdAt
        }
    }

    public func identity() async throws -> Identity? {
        guard let row = try await db.first("SELECT hub_id, trust_domain, created_at FROM hub WHERE singleton = 1")
        else { return nil }
        return Identity(
            hubID: try row.text("hub_id"), trustDomain: try row.text("trust_domain"),
            createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }

    public func insert(_ identity: Identity) async throws {
        try await db.execute(
            "INSERT INTO hub (singleton, hub_id, trust_domain, created_at) VALUES (1, ?, ?, ?)",
            identity.hubID, identity.trustDomain, identity.createdAt.unixMilliseconds)
    }

    public func key(named name: String) async throws -> SealedKey? {
        guard let row = try await db.first(
            "SELECT name, sealed_key, certificate_pem, created_at FROM hub_keys WHERE name = ?", name)
        else { return nil }
        return SealedKey(
            name: try row.text("name"), sealedKey: try row.blob("sealed_key"),
            certificatePEM: try row.text("certificate_pem"),
            createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }

    public func insert(_ key: SealedKey) async throws {
        try await db.execute(
            "INSERT INTO hub_keys (name, sealed_key, certificate_pem, created_at) VALUES (?, ?, ?, ?)",
            key.name, key.sealedKey, key.certificatePEM, key.createdAt.unixMilliseconds)
    }

    /// Stores a key under its name, replacing the one before (renewal, KEK rotation).
    public func replace(_ key: SealedKey) async throws {
        try await db.execute("DELETE FROM hub_keys WHERE name = ?", key.name)
        try await insert(key)
    }

    public func keys() async throws -> [SealedKey] {
        try await db.query("SELECT name, sealed_key, certificate_pem, created_at FROM hub_keys ORDER BY name").map { row in
            SealedKey(
                name: try row.text("name"), sealedKey: try row.blob("sealed_key"),
                certificatePEM: try row.text("certificate_pem"), createdAt: try row.date("created_at"))
        }
    }
}
