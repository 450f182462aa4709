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

    // MARK: the household's

    struct PostureCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "posture", abstract: "The household's firmware requirements and every device's posture.",
            subcommands: [Show.self, Require.self, Remove.self], defaultSubcommand: Show.self)

        /// Which devices a rule is for.
        struct Scope: ParsableArguments {
            @Flag(name: .long, help: "Every device of the household.") var household = false
            @Option(name: .long, help: "The devices of a zone.") var zone: String?
            @Option(name: .long, help: "The devices of a model.") var model: String?

            var scope: PostureRule.Scope {
                get throws {
                    switch (household, zone, model) {
                    case (true, nil, nil): return .household
                    case (false, let zone?, nil): return .zone(zone)
                    case (false, nil, let model?): return .model(model)
                    default: throw ValidationError("name one scope: --household, --zone Z or --model M")
                    }
                }
            }
        }

        static func print(_ overview: FirmwarePosture.Overview) {
            if overview.rules.isEmpty { Output.print("no firmware requirements") }
            for rule in overview.rules {
                Output.print("requires security version \(rule.minimumSecurityVersion) for \(rule.scope) \(rule.value ?? "")  (\(rule.restriction))")
            }
            for device in overview.devices {
                let firmware = device.firmware.map { "\($0.model) \($0.version) (security version \($0.securityVersion))" } ?? "no report"
                Output.print([device.device, device.zone, device.posture, firmware, device.reason ?? "", device.name].joined(separator: "  "))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The rules, then one line per device: id, zone, posture, firmware, why, name.")
            @Flag(name: .long, help: "As JSON.") var json = false
            @OptionGroup var common: CA.Common

            func run() async throws {
                let overview = try await common.withHub { hub, household in try await hub.posture.overview(household: household) }
                if json { try Devices.printJSON(overview) } else { PostureCommand.print(overview) }
            }
        }

        struct Require: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set", abstract: "Require a minimum security version; devices below it are restricted at once on the running hub.")
            @OptionGroup var scope: Scope
            @Option(name: .long, help: "The minimum security version.") var minimumSecurityVersion: Int64
            @Option(name: .long, help: "update-only (default: firmware and availability reports and the update command) or quarantine.")
            var restrict = "update-only"
            @OptionGroup var common: CA.Common

            func run() async throws {
                guard let restriction = PostureRule.Restriction(rawValue: restrict) else {
                    throw ValidationError("--restrict is update-only or quarantine")
                }
                let rule = PostureRule(scope: try scope.scope, minimumSecurityVersion: minimumSecurityVersion, restriction: restriction)
                let overview = try await common.withHub { hub, household in
                    try await hub.posture.setRule(rule, household: household, actor: Firmware.actor)
                }
                PostureCommand.print(overview)
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove the requirement of a scope.")
            @OptionGroup var scope: Scope
            @OptionGroup var common: CA.Common

            func run() async throws {
                let scope = try self.scope.scope
                let overview = try await common.withHub { hub, household in
                    try await hub.posture.removeRule(scope, household: household, actor: Firmware.actor)
                }
                PostureCommand.print(overview)
            }
        }
    }

    // MARK: rollouts

    struct Campaign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Staged rollouts: start one, list them, show one.", subcommands: [Start.self, List.self, Show.self])

        static func line(_ campaign: Rollouts.CampaignView) -> String {
            let counts = campaign.devices.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return [
                campaign.id, campaign.model, campaign.version, campaign.phase + (campaign.cohort.map { " (cohort \($0))" } ?? ""), counts,
                campaign.reason ?? "",
            ].joined(separator: "  ")
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Offer a release to every device of its model, cohort by cohort; the running hub carries it out.")
            @Option(name: .long, help: "The model.") var model: String
            @Option(name: .long, help: "The release's version.") var version: String
            @Option(name: .long, help: "Cumulative shares, comma-separated (default 5,25,100).") var cohorts = "5,25,100"
            @Option(name: .long, help: "Minutes each cohort is watched before the next (default 60).") var soakMinutes = 60.0
            @Option(name: .long, help: "Minutes an offered device has to report the new version (default 15).") var gateMinutes = 15.0
            @Option(name: .long, help: "Connections within the gate that make a crash loop (default 5).") var maxReconnects = 5
            @Option(name: .long, help: "Share of a cohort that may fail (default 0.1).") var failureThreshold = 0.1
            @Option(name: .long, help: "The release a failed cohort goes back to (default: the one published before).") var rollbackTo: String?
            @Flag(name: .long, help: "Allow going back to a lower security version (audited).") var rollbackOverride = false
            @OptionGroup var common: Common

            func run() async throws {
                var settings = Rollouts.Settings()
                settings.cohorts = try cohorts.split(separator: ",").map {
                    guard let share = Double($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--cohorts: numbers, like 5,25,100") }
                    return share
                }
                settings.soak = soakMinutes * 60
                settings.gate = gateMinutes * 60
                settings.maximumReconnects = maxReconnects
                settings.failureThreshold = failureThreshold
                settings.rollbackTo = rollbackTo
                settings.rollbackOverride = rollbackOverride
                let campaign = try await common.store.withAdministration(log: common.log) { hub, _ in
                    try await hub.rollouts.start(model: model, version: version, settings: settings, actor: Firmware.actor)
                }
                Output.print(Campaign.line(campaign))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Campaigns, newest first: id, model, version, phase, devices by state, why halted.")
            @OptionGroup var common: Common

            func run() async throws {
                let campaigns = try await common.store.withAdministration(log: common.log) { hub, _ in try await hub.rollouts.list() }
                if campaigns.isEmpty { Output.print("no campaigns") }
                for campaign in campaigns { Output.print(Campaign.line(campaign)) }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One campaign (JSON).")
            @Argument(help: "The campaign id.") var id: String
            @OptionGroup var common: Common

            func run() async throws {
                let campaign = try await common.store.withAdministration(log: common.log) { hub, _ in try await hub.rollouts.show(id) }
                try Devices.printJSON(campaign)
            }
        }
    }
}
