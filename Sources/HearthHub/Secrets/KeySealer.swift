import Crypto
import HearthCore

/// Seals private keys at rest with AES-256-GCM under the hub's key-encryption key (KEK).
///
/// The KEK lives outside the database (`<data>/kek`, mode 0600, or `HEARTH_KEK`), so a copy of
/// the database alone — a backup, a PostgreSQL dump — holds no usable key. Each sealed blob is
/// bound to its name as additional authenticated data, so blobs cannot be swapped between names.
public struct KeySealer: Sendable {
    private let kek: SymmetricKey
    /// KEKs that may also open a blob: the next KEK while a rotation is under way, so a crash
    /// between re-sealing the database and installing the new KEK loses nothing.
    private let alternates: [SymmetricKey]
    private static let formatVersion: UInt8 = 1

    public init(kek: [UInt8], alternates: [[UInt8]] = []) throws {
        guard kek.count == 32, alternates.allSatisfy({ $0.count == 32 }) else {
            throw HearthError(.sealing, "the key-encryption key must be 32 bytes")
        }
        self.kek = SymmetricKey(data: kek)
        self.alternates = alternates.map { SymmetricKey(data: $0) }
    }

    public func seal(_ plaintext: [UInt8], name: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: kek, authenticating: Array(name.utf8))
        guard let combined = box.combined else { throw HearthError(.sealing, "sealing produced no output") }
        return [Self.formatVersion] + Array(combined)
    }

    public func open(_ sealed: [UInt8], name: String) throws -> [UInt8] {
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
