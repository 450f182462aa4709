import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthPrivacy

/// `hearth privacy …`: declared telemetry flows, consents, bridge destinations, export and
/// erasure (docs/privacy.md), directly on the data folder or database. A running hub enforces a
/// change within its access-watch interval (a quarter second).
struct Privacy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Declare telemetry flows, grant and withdraw consent, bridge destinations, export and erase.",
        subcommands: [
            Map.self, Declare.self, DeclareSigned.self, RemoveFlow.self, Model.self, Grant.self, Withdraw.self,
            AddDestination.self, RemoveDestination.self, Export.self, Erase.self,
        ])

    static let actor = AuditActor.system("cli")

    static func withPrivacy<Result: Sendable>(
        _ common: CA.Common, _ body: (HubAdministration, HouseholdID) async throws -> Result
    ) async throws -> Result {
        try await common.withHub { hub, household in try await body(hub, household) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.invalidInput, "cannot read \(path)")
        }
        return Array(data)
    }

    struct Map: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the data-flow map: devices, their flows and recipients, consents (JSON).")
        @OptionGroup var common: CA.Common

        func run() async throws {
            let map = try await withPrivacy(common) { hub, household in try await hub.privacy.map(household: household) }
            try Devices.printJSON(map)
        }
    }

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Declare the flows of a flow document for a device or a model.")
        @Option(name: .long, help: "device:<id> or model:<name>.")
        var scope: String
        @Argument(help: "The flow document (JSON).")
        var file: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let (scope, document) = (try FlowScope(self.scope), try read(file))
            let flows = try await withPrivacy(common) { hub, household in
                try await hub.privacy.declare(document, scope: scope, household: household, actor: Privacy.actor)
            }
            Output.print("declared for \(scope): \(flows.map(\.name).joined(separator: ", "))")
        }
    }

    struct DeclareSigned: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "declare-signed", abstract: "Declare a maker's signed flow document (a compact JWS) for its model.")
        @Argument(help: "The signed document.")
        var file: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let jws = String(decoding: try read(file), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let (model, flows) = try await withPrivacy(common) { hub, household in
                try await hub.privacy.declareSigned(jws, household: household, actor: Privacy.actor)
            }
            Output.print("declared for model:\(model): \(flows.map(\.name).joined(separator: ", "))")
        }
    }

    struct RemoveFlow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-flow", abstract: "Remove a declared flow and its consents.")
        @Option(name: .long, help: "device:<id> or model:<name>.")
        var scope: String
        @Argument(help: "The flow's name.")
        var flow: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let scope = try FlowScope(self.scope)
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.removeFlow(scope: scope, name: flow, household: household, actor: Privacy.actor)
            }
            Output.print("removed \(scope)/\(flow)")
        }
    }

    struct Model: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set (or with --clear, clear) the model a device follows the flows of.")
        @Argument(help: "The device id.")
        var device: String
        @Argument(help: "The model name.")
        var model: String?
        @Flag(name: .long, help: "Clear the device's model.")
        var clear = false
        @OptionGroup var common: CA.Common

        func run() async throws {
            guard let id = DeviceID(device) else { throw HearthError(.invalidInput, "the device id is malformed") }
            guard clear == (model == nil) else { throw ValidationError("give a model, or --clear") }
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.setModel(id, model: model, household: household, actor: Privacy.actor)
            }
            Output.print(model.map { "\(id) is model \($0)" } ?? "\(id) has no model")
        }
    }

    struct ConsentTarget: ParsableArguments {
        @Option(name: .long, help: "device:<id> or model:<name>.")
        var scope: String
        @Option(name: .long, help: "The flow's name.")
        var flow: String
        @Option(name: .long, help: "apps, or destination:<name>.")
        var recipient: String
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant consent for a flow to reach a recipient.")
        @OptionGroup var target: ConsentTarget
        @Option(name: .long, help: "What the consent is for (default: the flow's declared purpose).")
        var purpose: String?
        @OptionGroup var common: CA.Common

        func run() async throws {
            let (scope, recipient) = (try FlowScope(target.scope), try FlowRecipient(target.recipient))
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.grant(
                    flow: target.flow, scope: scope, recipient: recipient, purpose: purpose, household: household, actor: Privacy.actor)
            }
            Output.print("consent granted: \(scope)/\(target.flow) → \(target.recipient)")
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw consent for a flow to reach a recipient.")
        @OptionGroup var target: ConsentTarget
        @OptionGroup var common: CA.Common

        func run() async throws {
            let (scope, recipient) = (try FlowScope(target.scope), try FlowRecipient(target.recipient))
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.withdraw(
                    flow: target.flow, scope: scope, recipient: recipient, household: household, actor: Privacy.actor)
            }
            Output.print("consent withdrawn: \(scope)/\(target.flow) → \(target.recipient)")
        }
    }

    struct AddDestination: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-destination", abstract: "Add an external MQTT broker (TLS, client certificate) flows may be bridged to.")
        @Option(name: .long, help: "A name for it (a-z, 0-9, -).")
        var name: String
        @Option(name: .long, help: "Its host name or address.")
        var host: String
        @Option(name: .long, help: "Its MQTT-over-TLS port.")
        var port: Int = 8883
        @Option(name: .long, help: "Prepended to every topic sent there (default hearth/<household>/).")
        var topicPrefix: String?
        @Option(name: .long, help: "PEM file of the CA certificates that sign the broker's certificate.")
        var trustRoots: String
        @Option(name: .long, help: "PEM file of the hub's client certificate chain for it.")
        var certificate: String
        @Option(name: .long, help: "PEM file of that certificate's private key (sealed in the hub's store).")
        var key: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let (roots, chain, key) = (try read(trustRoots), try read(certificate), try read(self.key))
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.addDestination(
                    .init(
                        name: name, host: host, port: port, topicPrefix: topicPrefix ?? "hearth/\(household.rawValue)/",
                        trustRootsPEM: String(decoding: roots, as: UTF8.self), clientChainPEM: String(decoding: chain, as: UTF8.self),
                        clientKeyPEM: String(decoding: key, as: UTF8.self)),
                    household: household, actor: Privacy.actor)
            }
            Output.print("added destination \(name) (\(host):\(port))")
        }
    }

    struct RemoveDestination: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-destination", abstract: "Remove a bridge destination and its consents.")
        @Argument(help: "The destination's name.")
        var name: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            try await withPrivacy(common) { hub, household in
                try await hub.privacy.removeDestination(name, household: household, actor: Privacy.actor)
            }
            Output.print("removed destination \(name)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write everything the hub holds about the household to a ZIP archive of JSON files.")
        @Option(name: .long, help: "Where to write the archive.")
        var output: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let archive = try await withPrivacy(common) { hub, household in
                try await hub.privacy.export(household: household, lifecycle: hub.lifecycle, people: hub.people, actor: Privacy.actor)
            }
            try AtomicFile.write(archive, to: URL(fileURLWithPath: output), mode: 0o600)
            Output.print("wrote \(output) (\(archive.count) bytes)")
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase stored telemetry (retained and queued messages) of a device, or with --all of the household.")
        @Option(name: .long, help: "The device whose telemetry to erase.")
        var device: String?
        @Flag(name: .long, help: "Erase every device's telemetry.")
        var all = false
        @OptionGroup var common: CA.Common

        func run() async throws {
            guard all == (device == nil) else { throw ValidationError("give --device <id> or --all") }
            let id = try device.map { text in
                guard let id = DeviceID(text) else { throw HearthError(.invalidInput, "the device id is malformed") }
                return id
            }
            let erased = try await withPrivacy(common) { hub, household in
                try await hub.privacy.erase(household: household, device: id, actor: Privacy.actor)
            }
            Output.print("erased \(erased) stored messages")
        }
    }
}
