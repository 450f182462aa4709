import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub
import HearthPKCS11
import HearthServer
import HearthStore
import Logging

/// Where the hub's data lives; shared by every command that opens it, exactly as `serve` does.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder (default ./hearth-data; env HEARTH_DATA).")
    var data: String?

    @Option(
        name: .long,
        help: "postgres://user:password@host:port/db to use PostgreSQL instead of the folder's SQLite file (env HEARTH_DATABASE_URL).")
    var database: String?

    var dataFolder: DataFolder {
        DataFolder(path: data ?? Environment.value("HEARTH_DATA") ?? "hearth-data")
    }

    func location() throws -> DatabaseLocation {
        try DatabaseLocation(url: database ?? Environment.value("HEARTH_DATABASE_URL"), dataFolder: dataFolder)
    }

    /// The KEK from `HEARTH_KEK` (base64 of 32 bytes) if set, else the data folder's `kek` file;
    /// the KEK of a rotation under way (`HEARTH_NEW_KEK` or `kek.next`) also opens keys. With the
    /// folder's pkcs11.json, signing keys are made and used in that token.
    func sealer(create: Bool) throws -> KeySealer {
        let token = try PKCS11Settings.read(folder: dataFolder.path).map(PKCS11Token.init)
        if let kek = try Self.environmentKEK("HEARTH_KEK") {
            return try KeySealer(kek: kek, alternates: [try Self.environmentKEK("HEARTH_NEW_KEK")].compactMap { $0 }, token: token)
        }
        return try KeySealer(
            kek: dataFolder.keyEncryptionKey(create: create),
            alternates: [try dataFolder.nextKeyEncryptionKey()].compactMap { $0 }, token: token)
    }

    static func environmentKEK(_ name: String) throws -> [UInt8]? {
        guard let encoded = Environment.value(name) else { return nil }
        guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else {
            throw HearthError(.configuration, "\(name) must be the base64 encoding of 32 bytes")
        }
        return Array(bytes)
    }

    /// Opens the database (migrating it) for the duration of `body`.
    func withStore<Result: Sendable>(
        logger: Logger, _ body: (Store) async throws -> Result
    ) async throws -> Result {
        let engine = try await location().makeEngine(logger: logger)
        return try await Store.withRunning(engine, logger: logger, body)
    }

    /// The hub's administration services over the store (see ``HubAdministration``).
    func withAdministration<Result: Sendable>(
        log: LogOptions, _ body: (HubAdministration, Store) async throws -> Result
    ) async throws -> Result {
        let logger = try log.makeLogger()
        let sealer = try sealer(create: false)
        return try await withStore(logger: logger) { db in
            try await body(try await HubAdministration.open(store: db, sealer: sealer, firmwareFolder: dataFolder.path), db)
        }
    }
}
