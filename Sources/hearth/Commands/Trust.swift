import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

/// `hearth trust …`: the manufacturers whose attested devices may pair without a code.
struct Trust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the manufacturer attestation roots trusted for zero-touch pairing.",
        subcommands: [AddManufacturer.self, List.self, Remove.self])

    struct AddManufacturer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-manufacturer", abstract: "Trust a manufacturer's attestation root (a PEM file).")

        @Argument(help: "The manufacturer's root certificate, PEM.")
        var root: String

        @Option(name: .long, help: "A name for the manufacturer.")
        var name: String = "manufacturer"

        @OptionGroup var common: CA.Common

        func run() async throws {
            let pem = try String(contentsOfFile: root, encoding: .utf8)
            let record = try await Pair.withPairing(common) { pairing, _ in
                try await pairing.addManufacturerRoot(pem: pem, name: name, actor: Pair.actor)
            }
            Output.print("trusted \(record.name) (id \(record.id))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted manufacturer roots.")

        @OptionGroup var common: CA.Common

        func run() async throws {
            let roots = try await Pair.withPairing(common) { pairing, _ in try await pairing.manufacturerRoots() }
            for root in roots { Output.print("\(root.id)  \(RFC3339.format(root.addedAt))  \(root.name)") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a manufacturer root (by id).")

        @Argument(help: "The root's id, as `hearth trust list` shows it.")
        var id: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            try await Pair.withPairing(common) { pairing, _ in try await pairing.removeManufacturerRoot(id: id, actor: Pair.actor) }
            Output.print("removed \(id)")
        }
    }
}
