import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthFirmware
import HearthHub

/// `hearth firmware …` (docs/firmware.md): a maker's commands (`keygen`, `sign`), which touch no
/// hub, and the operator's, directly on the data folder or database.
struct Firmware: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Firmware: makers' keys and signed releases, and the hub's TUF repository.",
        subcommands: [
            Keygen.self, Sign.self, Makers.self, Publish.self, Releases.self, Withdraw.self, Metadata.self, Rotate.self,
            PostureCommand.self, Campaign.self,
        ])

    static let actor = AuditActor.system("cli")

    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run<Result: Sendable>(_ body: (FirmwareService) async throws -> Result) async throws -> Result {
            try await store.withAdministration(log: log) { hub, _ in try await body(hub.firmware) }
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.invalidInput, "cannot read \(path)")
        }
        return Array(data)
    }

    static func text(_ path: String) throws -> String { String(decoding: try read(path), as: UTF8.self) }

    /// `body`, with TUF's refusals said as the CLI says errors.
    static func tuf<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TUFError { throw HearthError(.invalidInput, error.description) }
    }

    // MARK: the maker's

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a release-signing key: <name>.key (private, PKCS#8 PEM, mode 0600) and <name>.pub (public PEM).")
        @Option(name: .long, help: "The files' path without extension.")
        var out: String
        @Option(name: .long, help: "ed25519 (default) or ecdsa-p256.")
        var algorithm = "ed25519"

        func run() async throws {
            let kind: TUFKey.Algorithm
            switch algorithm {
            case "ed25519": kind = .ed25519
            case "ecdsa-p256": kind = .ecdsaP256
            default: throw ValidationError("--algorithm is ed25519 or ecdsa-p256")
            }
            let key = TUFSigningKey.generate(kind)
            try AtomicFile.write(Array(key.pem.utf8), to: URL(fileURLWithPath: out + ".key"), mode: 0o600)
            try AtomicFile.write(Array(MakerKeys.pem(key.publicKey).utf8), to: URL(fileURLWithPath: out + ".pub"))
            Output.print("key \(key.publicKey.id): \(out).key (keep it secret), \(out).pub (give it to the hub's operator)")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a release: the next version of your targets metadata (the published one, plus this release).",
            discussion: "Fetch the published version first: GET /tuf/metadata/maker-<id>.json on the hub (none before the first release).")
        @Option(name: .long, help: "Your signing key (PEM); repeat to sign with several.")
        var key: [String]
        @Option(name: .long, help: "The published version of your targets metadata, when there is one.")
        var previous: String?
        @Option(name: .long, help: "The image file.")
        var image: String
        @Option(name: .long, help: "The model it is for.")
        var model: String
        @Option(name: .long, help: "Its version (letters, digits, . _ -).")
        var version: String
        @Option(name: .long, help: "Its security version: never lower than an earlier release's that it should replace.")
        var securityVersion: Int64
        @Option(name: .long, help: "Release notes.")
        var notes = ""
        @Option(name: .long, help: "The oldest hub version it needs.")
        var minHubVersion: String?
        @Option(name: .long, help: "Days until this metadata expires (then sign again).")
        var expiresDays = 365
        @Option(name: .long, help: "Where to write the signed metadata.")
        var out: String

        func run() async throws {
            let keys = try key.map { path in try tuf { try TUFSigningKey(pem: try Firmware.text(path)) } }
            let previousRole = try previous.map { path in
                try tuf { try TargetsRole(try SignedMetadata(parsing: try Firmware.read(path)).signed) }
            }
            let bytes = try Firmware.read(image)
            let release = try tuf {
                try MakerSigning.release(
                    image: bytes, fileName: URL(fileURLWithPath: image).lastPathComponent, model: model, version: version,
                    securityVersion: securityVersion, notes: notes, minimumHubVersion: minHubVersion)
            }
            guard (1...3650).contains(expiresDays) else { throw ValidationError("--expires-days is 1 to 3650") }
            let signed = try MakerSigning.next(
                previous: previousRole, adding: [release], expires: SystemClock().now.addingTimeInterval(Double(expiresDays) * 86_400), keys: keys)
            try AtomicFile.write(signed.bytes, to: URL(fileURLWithPath: out))
            Output.print("\(release.path): version \(signed.signed["version"]?.integer ?? 0) of your metadata, signed, in \(out)")
        }
    }

    // MARK: the operator's

    struct Makers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register makers, change their keys and models, list them.", subcommands: [Add.self, Change.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a maker: its id, name, public keys and models.")
            @Option(name: .long, help: "A short id (lower case): its role is maker-<id>.") var id: String
            @Option(name: .long, help: "Its name.") var name: String
            @Option(name: .long, help: "A public key file (PEM); repeat for several.") var key: [String]
            @Option(name: .long, help: "How many of its keys must sign.") var threshold = 1
            @Option(name: .long, help: "A model it makes; repeat for several.") var model: [String]
            @OptionGroup var common: Common

            func run() async throws {
                let keys = try key.map { path in try tuf { try MakerKeys.publicKey(pem: try Firmware.text(path)) } }
                let maker = try await common.run { firmware in
                    try await firmware.registerMaker(id: id, name: name, keys: keys, threshold: threshold, models: model, actor: Firmware.actor)
                }
                try Devices.printJSON(maker)
            }
        }

        struct Change: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add or remove a maker's keys; add models.")
            @Argument(help: "The maker's id.") var id: String
            @Option(name: .long, help: "A public key file (PEM) to add.") var addKey: [String] = []
            @Option(name: .long, help: "A key id to remove.") var removeKey: [String] = []
            @Option(name: .long, help: "A model to add.") var addModel: [String] = []
            @OptionGroup var common: Common

            func run() async throws {
                let keys = try addKey.map { path in try tuf { try MakerKeys.publicKey(pem: try Firmware.text(path)) } }
                let maker = try await common.run { firmware in
                    try await firmware.changeMaker(id, addKeys: keys, removeKeyIDs: removeKey, addModels: addModel, actor: Firmware.actor)
                }
                try Devices.printJSON(maker)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List makers: id, threshold, keys, models, name.")
            @OptionGroup var common: Common

            func run() async throws {
                let makers = try await common.run { firmware in try await firmware.makers() }
                if makers.isEmpty { Output.print("no makers") }
                for maker in makers {
                    Output.print([maker.id, "\(maker.threshold)-of-\(maker.keyIDs.count)", maker.models.joined(separator: ","), maker.name]
                        .joined(separator: "  "))
                }
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a maker's signed metadata (from `hearth firmware sign`) with the images of its new releases.")
        @Option(name: .long, help: "The maker's id.") var maker: String
        @Option(name: .long, help: "The signed metadata file.") var metadata: String
        @Option(name: .long, help: "An image file the metadata names; repeat for several.") var image: [String] = []
        @OptionGroup var common: Common

        func run() async throws {
            let images = try image.map(Firmware.read)
            let bytes = try Firmware.read(metadata)
            let published = try await common.run { firmware in
                for image in images { _ = try await firmware.images.put(image) }
                return try await firmware.publish(maker: maker, metadata: bytes, actor: Firmware.actor)
            }
            if published.isEmpty { Output.print("published; no new releases") }
            for release in published {
                Output.print("\(release.path)  \(release.version)  security version \(release.securityVersion)  \(release.sha256)")
            }
        }
    }

    struct Releases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List releases: path, version, security version, state, SHA-256.")
        @Option(name: .long, help: "Only this model's.") var model: String?
        @OptionGroup var common: Common

        func run() async throws {
            let releases = try await common.run { firmware in try await firmware.releases(model: model) }
            if releases.isEmpty { Output.print("no releases") }
            for release in releases {
                let state = release.withdrawnAt == nil ? "published" : "withdrawn (\(release.withdrawnReason ?? ""))"
                Output.print([release.path, release.version, "\(release.securityVersion)", state, release.sha256].joined(separator: "  "))
            }
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a release as vulnerable.")
        @Argument(help: "The model.") var model: String
        @Argument(help: "The version.") var version: String
        @Option(name: .long, help: "Why (shown to owners).") var reason: String
        @OptionGroup var common: Common

        func run() async throws {
            let release = try await common.run { firmware in
                try await firmware.withdraw(model: model, version: version, reason: reason, actor: Firmware.actor)
            }
            try Devices.printJSON(release)
        }
    }

    struct Metadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a repository metadata file: root.json (what a device trusts first), maker-<id>.json, 3.snapshot.json …")
        @Argument(help: "The file name.") var file: String
        @OptionGroup var common: Common

        func run() async throws {
            let body = try await common.run { firmware in
                try await firmware.repository.initialize()
                return try await firmware.repository.file(file)
            }
            guard let body else { throw HearthError(.notFound, "no metadata file \(file)") }
            Output.print(String(decoding: body, as: UTF8.self))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace one of the repository's role keys (root, targets, snapshot, timestamp); a new root version names it.")
        @Argument(help: "The role.") var role: String
        @OptionGroup var common: Common

        func run() async throws {
            let keyID = try await common.run { firmware in
                try await firmware.repository.initialize()
                return try await firmware.repository.rotate(role, actor: Firmware.actor)
            }
            Output.print("the \(role) role's key is now \(keyID)")
        }
    }
}
