import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

/// `hearth witness …`: this hub as a witness of other hubs' audit logs (C2SP tlog-witness).
struct Witness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Witness other hubs' audit logs: cosign their checkpoints at /witness/add-checkpoint.",
        discussion: """
            Give the other hub this hub's witness key (`hearth witness key`) and URL \
            (https://<this hub>/witness); trust its audit key here (`hearth witness trust`, with the \
            key `hearth audit key` prints there). See docs/audit.md, "Witnesses".
            """,
        subcommands: [Key.self, Trust.self, List.self, Untrust.self])

    static let actor = AuditActor.system("cli")

    static func witness(_ store: StoreOptions, _ log: LogOptions, sealed: Bool, _ body: (AuditWitness) async throws -> Void) async throws {
        try await store.withStore(logger: try log.makeLogger()) { db in
            try await body(AuditWitness(store: db, sealer: sealed ? try store.sealer(create: false) : nil))
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print this hub's witness key (made on first use; needs the KEK then).")

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            try await witness(store, log, sealed: true) { witness in Output.print(try await witness.verifierKey().description) }
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Witness the log signed by this audit key (name+id+key).")

        @Argument(help: "The other hub's audit verifier key, as its `hearth audit key` prints it, or a file holding it.")
        var key: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            let logKey = try NoteVerifierKey(parsing: try Audit.keyText(key))
            try await witness(store, log, sealed: true) { witness in
                let own = try await witness.trust(logKey: logKey, actor: Witness.actor)
                Output.print("witnessing \(logKey.name); give that hub this witness key: \(own)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the witnessed logs and the latest checkpoint cosigned for each.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            try await witness(store, log, sealed: false) { witness in
                for log in try await witness.logs() {
                    let when = log.note == nil ? "nothing cosigned yet" : "cosigned \(log.size) at \(RFC3339.format(log.updatedAt))"
                    Output.print("\(log.origin)  \(when)")
                }
            }
        }
    }

    struct Untrust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop witnessing a log (by origin); what was cosigned is forgotten.")

        @Argument(help: "The log's origin, as `hearth witness list` shows it.")
        var origin: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            try await witness(store, log, sealed: false) { witness in try await witness.untrust(origin: origin, actor: Witness.actor) }
            Output.print("no longer witnessing \(origin)")
        }
    }
}
