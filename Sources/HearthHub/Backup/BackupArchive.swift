import Crypto
import CryptoExtras
import Foundation
import HearthCore

/// A hub's backup as one file: a clear header saying what it holds and how it is protected, then
/// its files, encrypted and authenticated together with the header: AES-256-GCM under a key
/// derived from a passphrase with scrypt, or HPKE (RFC 9180; P-256, HKDF-SHA256, AES-256-GCM)
/// to a recipient's public key, so the machine that makes backups never holds what opens them.
///
///     HEARTH-BACKUP 1\n
///     <header length, 4 bytes big-endian><header JSON>
///     <nonce 12><ciphertext of the entries><tag 16>
///
/// The entries are `<name length, 2 bytes><name><size, 8 bytes><bytes>`. Keys in the database
/// stay sealed under the KEK; the KEK file, when the folder has one, is an entry like any other,
/// so the passphrase protects everything in the backup.
public struct BackupArchive: Sendable {
    public struct Header: Codable, Sendable, Equatable {
        public var format: Int
        public var createdAt: String
        public var engine: String
        public var schemaVersion: Int
        public var hubVersion: String
        /// Set when a passphrase protects the backup.
        public var scrypt: ScryptParameters?
        /// Set when a recipient's key does.
        public var recipient: RecipientParameters?

        public init(
            format: Int = BackupArchive.format, createdAt: String, engine: String, schemaVersion: Int, hubVersion: String
        ) {
            self.format = format
            self.createdAt = createdAt
            self.engine = engine
            self.schemaVersion = schemaVersion
            self.hubVersion = hubVersion
        }

        enum CodingKeys: String, CodingKey {
            case format, engine, scrypt, recipient
            case createdAt = "created_at", schemaVersion = "schema_version", hubVersion = "hub_version"
        }
    }

    /// HPKE's base mode to one P-256 key: the encapsulated key, and which key it was sealed to.
    public struct RecipientParameters: Codable, Sendable, Equatable {
        public static let suiteName = "P256-HKDF-SHA256-AES256GCM"
        public var suite: String
        /// SHA-256 of the recipient's public key (X9.63), hex: says which key opens the backup.
        public var keyID: String
        public var encapsulatedKey: String

        enum CodingKeys: String, CodingKey { case suite, keyID = "key_id", encapsulatedKey = "enc" }

        static func keyID(_ key: P256.KeyAgreement.PublicKey) -> String { SHA256.hash(data: key.x963Representation).hexString }
    }

    /// What protects a backup being written.
    public enum Protection: Sendable {
        case passphrase(String)
        case recipient(P256.KeyAgreement.PublicKey)
    }

    /// What opens a backup being read.
    public enum Opener: Sendable {
        case passphrase(String)
        case identity(P256.KeyAgreement.PrivateKey)
    }

    static let ciphersuite = HPKE.Ciphersuite.P256_SHA256_AES_GCM_256
    static let hpkeInfo = Data("hearth backup".utf8)

    public struct ScryptParameters: Codable, Sendable, Equatable {
        public var salt: String
        public var logN: Int
        public var r: Int
        public var p: Int

        enum CodingKeys: String, CodingKey { case salt, r, p, logN = "ln" }

        /// 2^15 × 8 × 128 bytes = 32 MiB and about a tenth of a second: once per backup.
        public static func fresh() -> ScryptParameters {
            ScryptParameters(salt: Base64URL.encode(SecureRandom.bytes(16)), logN: 15, r: 8, p: 1)
        }
    }

    public static let magic = Array("HEARTH-BACKUP 1\n".utf8)
    public static let format = 1
    /// Passphrases shorter than this are refused: the backup holds the KEK.
    public static let minimumPassphraseLength = 12

    public var header: Header
    public var entries: [(name: String, bytes: [UInt8])]

    public init(header: Header, entries: [(name: String, bytes: [UInt8])]) {
        self.header = header
        self.entries = entries
    }

    public func entry(_ name: String) -> [UInt8]? { entries.first { $0.name == name }?.bytes }

    /// The file's bytes. The header says what protects them (set here), and is authenticated with them.
    public func sealed(_ protection: Protection) throws -> [UInt8] {
        var header = self.header
        var plain: [UInt8] = []
        for (name, bytes) in entries {
            let nameBytes = Array(name.utf8)
            plain += Self.bigEndian(UInt16(nameBytes.count)) + nameBytes + Self.bigEndian(UInt64(bytes.count)) + bytes
        }
        switch protection {
        case .passphrase(let passphrase):
            let scrypt = header.scrypt ?? .fresh()
            (header.scrypt, header.recipient) = (scrypt, nil)
            let authenticated = try Self.authenticatedPrefix(header)
            let box = try AES.GCM.seal(plain, using: try Self.key(passphrase, scrypt), authenticating: authenticated)
            guard let combined = box.combined else { throw HearthError(.internalFailure, code: "backup-seal", "AES-GCM gave no combined box") }
            return authenticated + Array(combined)
        case .recipient(let key):
            var sender = try HPKE.Sender(recipientKey: key, ciphersuite: Self.ciphersuite, info: Self.hpkeInfo)
            header.scrypt = nil
            header.recipient = RecipientParameters(
                suite: RecipientParameters.suiteName, keyID: RecipientParameters.keyID(key),
                encapsulatedKey: Base64URL.encode(Array(sender.encapsulatedKey)))
            let authenticated = try Self.authenticatedPrefix(header)
            return authenticated + Array(try sender.seal(plain, authenticating: authenticated))
        }
    }

    private static func authenticatedPrefix(_ header: Header) throws -> [UInt8] {
        let headerBytes = Array(try JSONEncoder().encode(header))
        return magic + bigEndian(UInt32(headerBytes.count)) + headerBytes
    }

    /// The header alone, readable without the passphrase (to refuse a backup before asking for it).
    public static func header(of file: [UInt8]) throws -> Header {
        try split(file).header
    }

    public static func open(_ file: [UInt8], with opener: Opener) throws -> BackupArchive {
        let (header, authenticated, sealed) = try split(file)
        let plain: Data
        switch (opener, header.scrypt, header.recipient) {
        case (.passphrase(let passphrase), let scrypt?, nil):
            do {
                plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: try key(passphrase, scrypt), authenticating: authenticated)
            } catch {
                throw HearthError(.unauthenticated, code: "backup-unreadable", "wrong passphrase, or the backup was altered")
            }
        case (.identity(let identity), nil, let recipient?):
            guard recipient.keyID == RecipientParameters.keyID(identity.publicKey) else {
                throw HearthError(.unauthenticated, code: "backup-other-recipient", "this backup was sealed to another key (key id \(recipient.keyID))")
            }
            guard let encapsulated = Base64URL.decode(recipient.encapsulatedKey) else { throw malformed }
            do {
                var receiver = try HPKE.Recipient(
                    privateKey: identity, ciphersuite: ciphersuite, info: hpkeInfo, encapsulatedKey: Data(encapsulated))
                plain = try receiver.open(sealed, authenticating: authenticated)
            } catch {
                throw HearthError(.unauthenticated, code: "backup-unreadable", "the backup was altered, or its key does not open it")
            }
        case (.passphrase, _, _):
            throw HearthError(.invalidInput, code: "backup-needs-identity", "this backup is sealed to a recipient's key: give --identity KEY.pem")
        case (.identity, _, _):
            throw HearthError(.invalidInput, code: "backup-needs-passphrase", "this backup is protected by a passphrase, not a recipient key")
        }
        var entries: [(name: String, bytes: [UInt8])] = []
        var reader = ArraySlice(plain)
        while !reader.isEmpty {
            let nameLength = Int(try read(&reader, 2).reduce(0) { $0 << 8 | UInt64($1) })
            let name = String(decoding: try read(&reader, nameLength), as: UTF8.self)
            let size = try read(&reader, 8).reduce(0) { $0 << 8 | UInt64($1) }
            guard size <= UInt64(reader.count) else { throw malformed }
            entries.append((name, Array(try read(&reader, Int(size)))))
        }
        return BackupArchive(header: header, entries: entries)
    }

    private static func split(_ file: [UInt8]) throws -> (header: Header, authenticated: [UInt8], sealed: [UInt8]) {
        guard file.starts(with: magic), file.count >= magic.count + 4 else {
            throw HearthError(.invalidInput, code: "not-a-backup", "this file is not a Hearth backup")
        }
        var reader = file[magic.count...]
        let length = Int(try read(&reader, 4).reduce(0) { $0 << 8 | UInt64($1) })
        guard length <= 64 * 1024 else { throw malformed }
        let headerBytes = try read(&reader, length)
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else { throw malformed }
        guard header.format == format else {
            throw HearthError(.invalidInput, code: "backup-format", "this backup's format (\(header.format)) is not one this hub reads (\(format))")
        }
        if let scrypt = header.scrypt {
            guard header.recipient == nil, (10...22).contains(scrypt.logN), (1...32).contains(scrypt.r), (1...16).contains(scrypt.p)
            else { throw malformed }
        } else {
            guard let recipient = header.recipient, recipient.suite == RecipientParameters.suiteName else { throw malformed }
        }
        return (header, Array(file[..<reader.startIndex]), Array(reader))
    }

    private static func key(_ passphrase: String, _ parameters: ScryptParameters) throws -> SymmetricKey {
        guard let salt = Base64URL.decode(parameters.salt) else { throw malformed }
        return try KDF.Scrypt.deriveKey(
            from: Array(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: 1 << parameters.logN,
            blockSize: parameters.r, parallelism: parameters.p)
    }

    private static func read(_ reader: inout ArraySlice<UInt8>, _ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, reader.count >= count else { throw malformed }
        defer { reader = reader.dropFirst(count) }
        return reader.prefix(count)
    }

    private static func bigEndian<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    private static let malformed = HearthError(.invalidInput, code: "backup-malformed", "this Hearth backup is damaged")
}
