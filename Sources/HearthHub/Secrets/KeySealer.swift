import Crypto
import HearthCore

/// Seals private keys at rest with AES-256-GCM under the hub's key-encryption key (KEK).
///
/// The KEK lives outside the database (`<data>/kek`, mode 0600, or `HEARTH_KEK`), so a copy of
/// the database alone — a backup, a PostgreSQL dump — holds no usable key. Each sealed blob is
/// bound to its name as additional authenticated data, so blobs cannot be swapped between names.
///
/// When the hub keeps its keys in a PKCS#11 token (`hearth init --pkcs11`), the signing keys —
/// CAs, TLS, token signing, audit, witness — are made in the token instead (``makeKey(_:label:)``)
/// and their rows hold a reference to the token's object, not a sealed key.
public struct KeySealer: Sendable {
    private let kek: SymmetricKey
    /// The token new signing keys are made in; nil when the hub holds its keys itself.
    public let token: (any KeyToken)?
    /// KEKs that may also open a blob: the next KEK while a rotation is under way, so a crash
    /// between re-sealing the database and installing the new KEK loses nothing.
    private let alternates: [SymmetricKey]
    private static let formatVersion: UInt8 = 1
    /// The first byte of a stored reference to a key in the token (a sealed blob starts with 1).
    private static let tokenReference: UInt8 = 0x70

    public init(kek: [UInt8], alternates: [[UInt8]] = [], token: (any KeyToken)? = nil) throws {
        guard kek.count == 32, alternates.allSatisfy({ $0.count == 32 }) else {
            throw HearthError(.sealing, "the key-encryption key must be 32 bytes")
        }
        self.kek = SymmetricKey(data: kek)
        self.alternates = alternates.map { SymmetricKey(data: $0) }
        self.token = token
    }

    /// A new signing key: made in the token when the hub has one (labelled `label` there), else
    /// made here. ``store(_:name:)`` gives what its row keeps.
    public func makeKey(_ algorithm: HubPrivateKey.Algorithm, label: String) throws -> HubPrivateKey {
        guard let token else { return HubPrivateKey.generate(algorithm) }
        return HubPrivateKey(token: try token.makeKey(algorithm, label: label))
    }

    /// What a row keeps for `key` under `name`: the key sealed, or the reference to it in the token.
    public func store(_ key: HubPrivateKey, name: String) throws -> [UInt8] {
        if let reference = key.tokenReference { return [Self.tokenReference] + reference }
        guard let bytes = key.exportableBytes else { throw HearthError(.sealing, "key \(name) cannot be stored") }
        return try seal(bytes, name: name)
    }

    /// The signing key stored as `stored` under `name`: opened from its seal, or found in the token.
    public func openKey(_ stored: [UInt8], _ algorithm: HubPrivateKey.Algorithm, name: String) throws -> HubPrivateKey {
        guard Self.isInToken(stored) else { return try HubPrivateKey(algorithm, bytes: open(stored, name: name)) }
        guard let token else {
            throw HearthError(
                .configuration,
                "key \(name) lives in a PKCS#11 token, and this hub was started without one (the data folder's pkcs11.json)")
        }
        return HubPrivateKey(token: try token.key(reference: Array(stored.dropFirst()), algorithm: algorithm))
    }

    /// True when `stored` names a key in a token: there is nothing to re-seal or back up for it.
    public static func isInToken(_ stored: [UInt8]) -> Bool { stored.first == tokenReference }

    public func seal(_ plaintext: [UInt8], name: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: kek, authenticating: Array(name.utf8))
        guard let combined = box.combined else { throw HearthError(.sealing, "sealing produced no output") }
        return [Self.formatVersion] + Array(combined)
    }

    public func open(_ sealed: [UInt8], name: String) throws -> [UInt8] {
        if Self.isInToken(sealed) {
            throw HearthError(.sealing, "key \(name) lives in a PKCS#11 token and cannot be read out of it")
        }
        guard sealed.first == Self.formatVersion else {
            throw HearthError(.sealing, "sealed key \(name) has an unknown format")
        }
        for key in [kek] + alternates {
            if let box = try? AES.GCM.SealedBox(combined: sealed.dropFirst()),
               let plaintext = try? AES.GCM.open(box, using: key, authenticating: Array(name.utf8))
            {
                return Array(plaintext)
            }
        }
        throw HearthError(
            .sealing, "sealed key \(name) does not open with this key-encryption key (wrong KEK or tampered data)")
    }

    /// Keys for a MAC the hub checks itself (stateless tokens), derived from the KEK with HKDF so
    /// the KEK itself signs nothing, and so every hub node sharing the KEK derives the same key
    /// without storing one. The first key is the KEK's; the others are the alternates', so a token
    /// made just before a KEK rotation still verifies while both are loaded.
    public func derivedKeys(purpose: String) -> [SymmetricKey] {
        ([kek] + alternates).map { key in
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: key, salt: Array("hearth-derived-key-v1".utf8), info: Array(purpose.utf8),
                outputByteCount: 32)
        }
    }
}
