import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub
import HearthPKCS11
import HearthServer
import HearthStore
import Logging

/// What `init` and a first `serve` share: who the first owner is, and printing their password once.
struct InitOptions: ParsableArguments {
    @Option(name: .long, help: "The first household's name (default Home).")
    var household: String = "Home"

    @Option(name: .long, help: "The first owner's email, their sign-in name (default owner@home.arpa).")
    var owner: String = "owner@home.arpa"

    @Option(
        name: .customLong("hostname"),
        help: "A DNS name for the hub's TLS certificate besides localhost, 127.0.0.1 and ::1; repeatable (env HEARTH_HOSTNAMES, comma-separated).")
    var hostnames: [String] = []

    @Option(name: .long, help: "host:port for HTTPS (default 127.0.0.1:8443; env HEARTH_LISTEN).")
    var listen: String?

    @Option(
        name: .customLong("public-url"),
        help: "The https://host:port base that clients reach the hub by: the OAuth issuer and the CRL and OCSP URLs in certificates, fixed when the CA is made (env HEARTH_PUBLIC_URL; default https://<first hostname or localhost>:<the --listen port>).")
    var publicURL: String?

    func listenAddress() throws -> (host: String, port: Int) {
        try HubConfiguration.parseListen(listen ?? Environment.value("HEARTH_LISTEN") ?? "127.0.0.1:8443")
    }

    /// What a new hub writes into its CA: the operator's URL, else one that follows the port the
    /// hub listens on, so that discovery and OCSP lead clients back to this listener.
    var resolvedPublicURL: String {
        get throws {
            try publicURL ?? Environment.value("HEARTH_PUBLIC_URL")
                ?? HubProvisioning.defaultPublicURL(hostnames: allHostnames, port: listenAddress().port)
        }
    }

    var allHostnames: [String] {
        hostnames.isEmpty
            ? (Environment.value("HEARTH_HOSTNAMES")?.split(separator: ",").map(String.init) ?? []) : hostnames
    }

    /// Checks the input before anything is created, so a typo changes nothing on disk.
    func validate() throws {
        _ = try Household.validatedName(household)
        _ = try EmailAddress(owner)
        guard let url = URL(string: try resolvedPublicURL), url.scheme == "https", url.host != nil, url.path.isEmpty
        else { throw HearthError(.configuration, "the public URL must look like https://host:port") }
    }

    func initialize(store: Store, sealer: KeySealer, folder: DataFolder) async throws -> InitialOwner {
        let initial = try await PasswordHasher.withHasher(parameters: .default, threads: 1) { hasher in
            try await HubBootstrap.initialize(
                store: store, sealer: sealer, hasher: hasher, householdName: household, ownerEmail: owner,
                hostnames: allHostnames, publicURL: try resolvedPublicURL)
        }
        try folder.writeRootCertificate(try await HubPKI.open(store: store, sealer: sealer).authorities.rootPEM)
        return initial
    }
}

enum InitReport {
    /// Printed to standard output only — never to the log — and only this once.
    static func show(_ initial: InitialOwner, folder: DataFolder, location: DatabaseLocation) {
        Output.print("""
            Hearth is initialized.
              data folder:       \(folder.path)
              database:          \(location)
              trust domain:      \(initial.trustDomain)
              household:         \(initial.householdName) (\(initial.householdID))
              owner:             \(initial.email)
              one-time password: \(initial.oneTimePassword)
            The password is shown only now and stored only as a hash; change it after you sign in.
            The owner also operates the hub (creates and deletes households). Account-recovery codes,
            each usable once if the password or second factor is lost (keep them offline):
              \(initial.recoveryCodes.joined(separator: " "))
            """)
    }

    static func signInHint(_ initial: InitialOwner?, folder: DataFolder, host: String, port: Int) -> String {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let initial else {
            // A restart, or a node that joined a database another node initialized: the owner and
            // their password exist already, and were printed once where that happened.
            return """
                Hearth is serving https://\(authority) on an initialized hub — sign in as one of its people:
                  curl --cacert \(folder.rootCertificatePath) https://\(authority)/v1/session \\
                    -H 'content-type: application/json' -d '{"email":"<your email>","password":"<your password>"}'
                (the first owner's one-time password was printed once, by the `init` or first `serve` that made the hub;
                 `hearth people list` on any node shows who can sign in)
                """
        }
        return """
            Hearth is serving https://\(authority) — sign in with:
              curl --cacert \(folder.rootCertificatePath) https://\(authority)/v1/session \\
                -H 'content-type: application/json' -d '{"email":"\(initial.email)","password":"…"}'
            """
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a data folder, its database, the first household and its owner.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var initOptions: InitOptions
    @OptionGroup var token: TokenOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        try initOptions.validate()
        let tokenSettings = try token.settings()
        let folder = store.dataFolder
        guard folder.isMissingOrEmpty else {
            throw HearthError(
                .alreadyInitialized,
                "the data folder \(folder.path) already exists and is not empty; nothing was changed "
                    + "(use `hearth serve --data \(folder.path)` to run it, or choose an empty folder)")
        }
        let location = try store.location()
        let existed = FileManager.default.fileExists(atPath: folder.path)
        try folder.create()
        let initial: InitialOwner
        do {
            try tokenSettings?.write(folder: folder.path)
            initial = try await store.withStore(logger: logger) { db in
                guard try await !HubBootstrap.isInitialized(db) else {
                    throw HearthError(
                        .alreadyInitialized,
                        "the database \(location) already belongs to an initialized hub; nothing was changed")
                }
                return try await initOptions.initialize(store: db, sealer: try store.sealer(create: true), folder: folder)
            }
        } catch {
            // Leave no trace of a failed init: remove the folder this run made, if it is still empty.
            if tokenSettings != nil { try? FileManager.default.removeItem(atPath: folder.path + "/" + PKCS11Settings.fileName) }
            if !existed, folder.isMissingOrEmpty { try? FileManager.default.removeItem(atPath: folder.path) }
            throw error
        }
        InitReport.show(initial, folder: folder, location: location)
        if let tokenSettings {
            Output.print("Signing keys (CAs, TLS, token signing, audit) live in the PKCS#11 token: \(tokenSettings.module), slot \(tokenSettings.slot).")
        }
        Output.print("Start it with: hearth serve --data \(folder.path)")
    }
}
