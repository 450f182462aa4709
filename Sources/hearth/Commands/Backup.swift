import ArgumentParser
import Crypto
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub

/// The backup's passphrase: from a file (its first line), or `HEARTH_BACKUP_PASSPHRASE`.
struct PassphraseOptions: ParsableArguments {
    @Option(name: .long, help: "A file whose first line is the backup's passphrase (env HEARTH_BACKUP_PASSPHRASE).")
    var passphraseFile: String?

    static func pem(_ path: String, _ what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.configuration, "cannot read the \(what) \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    func passphrase() throws -> String {
        if let passphraseFile {
            guard let text = FileManager.default.contents(atPath: passphraseFile).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw HearthError(.configuration, "cannot read the passphrase file \(passphraseFile)")
            }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        guard let value = Environment.value("HEARTH_BACKUP_PASSPHRASE") else {
            throw HearthError(.configuration, "give the backup's passphrase: --passphrase-file FILE or HEARTH_BACKUP_PASSPHRASE")
        }
        return value
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an encrypted snapshot of the hub's data folder (works while the hub runs; SQLite only).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var secret: PassphraseOptions

    @Option(name: .long, help: "The backup file to write (mode 0600; an existing file is replaced).")
    var to: String

    @Option(name: .long, help: "Seal the backup to this P-256 public key (PEM) instead of a passphrase; only its private key restores it.")
    var recipient: String?

    func run() async throws {
        let protection: BackupArchive.Protection
        if let recipient {
            do {
                protection = .recipient(try P256.KeyAgreement.PublicKey(pemRepresentation: try PassphraseOptions.pem(recipient, "recipient key")))
            } catch let error as HearthError {
                throw error
            } catch {
                throw HearthError(.configuration, "\(recipient) is not a P-256 public key in PEM (`openssl pkey -pubout` writes one)")
            }
        } else {
            protection = .passphrase(try secret.passphrase())
        }
        let (file, header) = try HubBackup.make(
            dataFolder: store.dataFolder, location: try store.location(), protection: protection, now: SystemClock().now)
        try AtomicFile.write(file, to: URL(fileURLWithPath: to), mode: 0o600)
        Output.print("backup of schema version \(header.schemaVersion) written to \(to) (\(file.count) bytes, \(header.createdAt))")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup into a new or empty data folder (refused while a hub runs on it).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var secret: PassphraseOptions

    @Option(name: .long, help: "The backup file to read.")
    var from: String

    @Option(name: .long, help: "The P-256 private key (PEM) a backup made with --recipient was sealed to.")
    var identity: String?

    func run() async throws {
        guard case .sqlite(let path) = try store.location(), path == store.dataFolder.databasePath else {
            throw HearthError(.configuration, "a backup restores a data folder with its SQLite database; give --data only")
        }
        guard let file = FileManager.default.contents(atPath: from) else {
            throw HearthError(.configuration, "cannot read the backup \(from)")
        }
        let opener: BackupArchive.Opener
        if let identity {
            do {
                opener = .identity(try P256.KeyAgreement.PrivateKey(pemRepresentation: try PassphraseOptions.pem(identity, "identity key")))
            } catch let error as HearthError {
                throw error
            } catch {
                throw HearthError(.configuration, "\(identity) is not a P-256 private key in PEM")
            }
        } else {
            opener = .passphrase(try secret.passphrase())
        }
        let header = try HubBackup.restore(Array(file), with: opener, into: store.dataFolder)
        Output.print("restored the backup of \(header.createdAt) (schema version \(header.schemaVersion)) into \(store.dataFolder.path); start it with `hearth serve --data \(store.dataFolder.path)`")
    }
}
