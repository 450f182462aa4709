import Crypto
import CryptoExtras
import Foundation
import HearthCore

/// A hub's backup as one file: a clear header saying what it holds and how it is protected, then
/// its files, encrypted and authenticated together with the header (AES-256-GCM under a key
/// derived from a passphrase with scrypt).
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
        public var scrypt: ScryptParameters

        enum CodingKeys: String, CodingKey {
            case format, engine, scrypt
            case createdAt = "created_at", schemaVersion = "schema_version", hubVersion = "hub_version"
        }
    }

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

    /// The file's bytes.
    public func sealed(passphrase: String) throws -> [UInt8] {
        let headerBytes = Array(try JSONEncoder().encode(header))
        var plain: [UInt8] = []
        for (name, bytes) in entries {
            let nameBytes = Array(name.utf8)
            plain += Self.bigEndian(UInt16(nameBytes.count)) + nameBytes + Self.bigEndian(UInt64(bytes.count)) + bytes
        }
        let box = try AES.GCM.seal(
            plain, using: try Self.key(passphrase, header.scrypt), authenticating: Self.magic + Self.bigEndian(UInt32(headerBytes.count)) + headerBytes)
        guard let combined = box.combined else { throw HearthError(.internalFailure, code: "backup-seal", "AES-GCM gave no combined box") }
        return Self.magic + Self.bigEndian(UInt32(headerBytes.count)) + headerBytes + Array(combined)
    }

    /// The header alone, readable without the passphrase (to refuse a backup before asking for it).
    public static func header(of file: [UInt8]) throws -> Header {
        try split(file).header
    }

    public static func open(_ file: [UInt8], passphrase: String) throws -> BackupArchive {
        let (header, authenticated, sealed) = try split(file)
        let plain: Data
        do {
            plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: try key(passphrase, header.scrypt), authenticating: authenticated)
        } catch {
            throw HearthError(.unauthenticated, code: "backup-unreadable", "wrong passphrase, or the backup was altered")
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
        guard (10...22).contains(header.scrypt.logN), (1...32).contains(header.scrypt.r), (1...16).contains(header.scrypt.p) else {
            throw malformed
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
