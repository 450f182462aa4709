import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub

/// The backup's passphrase: from a file (its first line), or `HEARTH_BACKUP_PASSPHRASE`.
struct PassphraseOptions: ParsableArguments {
    @Option(name: .long, help: "A file whose first line is the backup's passphrase (env HEARTH_BACKUP_PASSPHRASE).")
    var passphraseFile: String?

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

    func run() async throws {
        let (file, header) = try HubBackup.make(
            dataFolder: store.dataFolder, location: try store.location(), passphrase: try secret.passphrase(), now: SystemClock().now)
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

    func run() async throws {
        guard case .sqlite(let path) = try store.location(), path == store.dataFolder.databasePath else {
            throw HearthError(.configuration, "a backup restores a data folder with its SQLite database; give --data only")
        }
        guard let file = FileManager.default.contents(atPath: from) else {
            throw HearthError(.configuration, "cannot read the backup \(from)")
        }
        let header = try HubBackup.restore(Array(file), passphrase: try secret.passphrase(), into: store.dataFolder)
        Output.print("restored the backup of \(header.createdAt) (schema version \(header.schemaVersion)) into \(store.dataFolder.path); start it with `hearth serve --data \(store.dataFolder.path)`")
    }
}
