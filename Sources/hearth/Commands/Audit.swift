import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify, search and export the tamper-evident audit log (works while the hub runs).",
        subcommands: [Verify.self, Search.self, Export.self, Checkpoint.self, Key.self, Witnesses.self, Redact.self])

    /// A key given on the command line, or the file holding it.
    static func keyText(_ text: String) throws -> String {
        FileManager.default.fileExists(atPath: text) ? try String(contentsOfFile: text, encoding: .utf8) : text
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the Merkle tree from every entry and check it against every signed checkpoint.",
            discussion: """
                Exits 0 if the log is intact, 1 naming the first bad index otherwise. Pass the verifier \
                key you recorded earlier (`hearth audit key`) with --key: the key in the database could \
                have been replaced along with the log. The newest checkpoint the hub recorded in the data \
                folder (audit-checkpoint) is checked too, so a log cut back in the database is reported \
                as rolled back. With --witness, the witness holding that key is asked to cosign the \
                newest checkpoint: it does so only if the log still extends every checkpoint it \
                cosigned before, which a thief holding the database and the KEK cannot fake.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        @Option(name: .long, help: "The audit verifier key (name+id+key), or a file holding it.")
        var key: String?

        @Option(name: .long, help: "A witness's key (name+id+key, type 0x04), or a file holding it: the log must satisfy that witness.")
        var witness: String?

        @Option(name: .long, help: "The witness's URL (default: the one configured with `hearth audit witnesses add` for that key).")
        var witnessURL: String?

        @Option(name: .long, help: "A PEM file with the root the witness's TLS certificate chains to.")
        var witnessCA: String?

        func run() async throws {
            let logger = try log.makeLogger()
            let pinned = try key.map { try NoteVerifierKey(parsing: try Audit.keyText($0)) }
            let witnessKey = try witness.map { try NoteVerifierKey(parsing: try Audit.keyText($0)) }
            let file = AuditCheckpointFile(path: store.dataFolder.auditCheckpointPath)
            let recorded = try file.note().map { AuditLogVerifier.Recorded(note: $0, location: file.path) }
            let (report, witnessOutcome) = try await store.withStore(logger: logger) { db in
                let verifierKey: NoteVerifierKey
                if let pinned { verifierKey = pinned } else { verifierKey = try await AuditKey.storedVerifier(db) }
                let report = try await AuditLogVerifier(store: db, key: verifierKey, recorded: recorded).verify()
                guard let witnessKey else { return (report, WitnessOutcome?.none) }
                return (report, try await checkWitness(witnessKey, db: db))
            }
            Output.print("entries:      \(report.entries) (head says \(report.headSize); \(report.redacted) redacted)")
            Output.print("checkpoints:  \(report.checkpoints); entries 0..<\(report.signedSize) are covered by a verified signature")
            if let size = report.recordedSize {
                Output.print("recorded:     checkpoint \(size), kept outside the database in \(file.path)")
            } else if recorded == nil {
                Output.print("note:         no checkpoint is recorded in \(file.path); a log cut back in the database cannot be told from an older one")
            }
            if report.entries > report.signedSize && report.isIntact {
                Output.print("note:         entries from \(report.signedSize) on are not yet covered by a checkpoint")
            }
            if let witnessOutcome, let witnessKey {
                Output.print("witness:      \(witnessKey.name): \(witnessOutcome)")
            }
            guard let firstFinding = report.findings.first else {
                if let witnessOutcome, let witnessKey, !witnessOutcome.isCosigned {
                    Output.print("audit log verification FAILED: witness \(witnessKey.name): \(witnessOutcome)")
                    throw ExitCode(1)
                }
                Output.print("audit log intact")
                return
            }
            for finding in report.findings { Output.print("FAIL \(finding)") }
            if report.rolledBack {
                Output.print(
                    "audit log verification FAILED: the log was rolled back behind the checkpoint recorded in \(file.path)"
                        + (report.firstBadIndex.map { " (first bad index \($0))" } ?? ""))
            } else if let index = report.firstBadIndex {
                Output.print("audit log verification FAILED: first bad index \(index)")
            } else {
                Output.print("audit log verification FAILED: \(firstFinding)")
            }
            throw ExitCode(1)
        }

        /// Asks the witness to cosign the newest stored checkpoint, starting from size 0 so that it
        /// answers with the size it holds (C2SP tlog-witness), then proving consistency from there.
        private func checkWitness(_ key: NoteVerifierKey, db: Store) async throws -> WitnessOutcome {
            let caPEM = try witnessCA.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let witnessing = AuditWitnessing(store: db)
            let configured = try await witnessing.witnesses().first { $0.verifierKey == key.description }
            guard let url = witnessURL ?? configured?.url else {
                throw ValidationError("no witness with that key is configured here; give its URL with --witness-url")
            }
            let endpoint = try WitnessEndpoint(key: key, url: url, caPEM: caPEM ?? configured?.caPEM)
            guard let newest = try await db.read({ session in try await session.audit.latestCheckpoint() }) else {
                return .refused(status: 0, "the log has no checkpoint to show the witness")
            }
            return await witnessing.submit(newest, to: endpoint, believedSize: 0, via: HTTPWitnessTransport())
        }
    }

    struct Filters: ParsableArguments {
        @Option(name: .long, help: "Only entries by this actor (kind:id, e.g. person:abc or system:cli).")
        var actor: String?
        @Option(name: .long, help: "Only entries about this subject (e.g. person:abc).")
        var subject: String?
        @Option(name: .long, help: "Only entries with this action (e.g. session.login_failed).")
        var action: String?
        @Option(name: .long, help: "Only entries of this household id.")
        var household: String?
        @Option(name: .long, help: "Only entries at or after this RFC 3339 time.")
        var since: String?
        @Option(name: .long, help: "Only entries before this RFC 3339 time.")
        var until: String?

        func query(limit: Int, newestFirst: Bool) throws -> AuditQuery {
            func time(_ text: String?, _ name: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = RFC3339.parse(text) else {
                    throw ValidationError("--\(name) must be an RFC 3339 time such as 2026-11-23T10:00:00Z")
                }
                return date
            }
            return AuditQuery(
                householdID: household, actor: actor, subject: subject, action: action, since: try time(since, "since"),
                until: try time(until, "until"), newestFirst: newestFirst, limit: limit)
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show matching entries, newest first.")

        @OptionGroup var filters: Filters
        @Option(name: .long, help: "At most this many entries (default 50).")
        var limit = 50
        @Flag(name: .long, help: "One JSON object per line instead of a table.")
        var json = false
        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
            let query = try filters.query(limit: limit, newestFirst: true)
            let entries = try await store.withStore(logger: try log.makeLogger()) { db in
                try await db.read { session in try await session.audit.entries(query) }
            }
            for entry in entries {
                if json {
                    Output.print(try AuditEntryView.jsonLine(entry))
                } else {
                    let time = entry.time.formatted(.iso8601)
                    Output.print("\(entry.index)  \(time)  \(entry.action)  \(entry.actor)  \(entry.subject)  \(entry.reason)")
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every entry (or those matching the filters), oldest first, as JSON lines on stdout.")

        @OptionGroup var filters: Filters
        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            var query = try filters.query(limit: 5000, newestFirst: false)
            try await store.withStore(logger: try log.makeLogger()) { db in
                while true {
                    let page = query
                    let entries = try await db.read { session in try await session.audit.entries(page) }
                    for entry in entries { Output.print(try AuditEntryView.jsonLine(entry)) }
                    guard let last = entries.last, entries.count == query.limit else { break }
                    query.afterIndex = last.index
                }
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the current head now (needs the KEK) and print the checkpoint note.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            // Recorded in the data folder too, as the running hub does, when there is one here.
            let folder = store.dataFolder
            let file = FileManager.default.fileExists(atPath: folder.path)
                ? AuditCheckpointFile(path: folder.auditCheckpointPath) : nil
            let checkpoint = try await store.withStore(logger: try log.makeLogger()) { db in
                let signer = try await AuditKey.loadSigner(store: db, sealer: try store.sealer(create: false))
                return try await AuditCheckpointer(store: db, signer: signer, file: file).checkpoint()
            }
            Output.print(String(checkpoint.note.dropLast()))
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the audit verifier key; keep a copy outside the hub for `hearth audit verify --key`.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            let key = try await store.withStore(logger: try log.makeLogger()) { db in try await AuditKey.storedVerifier(db) }
            Output.print(key.description)
        }
    }

    struct Witnesses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The witnesses the hub submits its checkpoints to (C2SP tlog-witness).",
            subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

        static let actor = AuditActor.system("cli")

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Submit every new checkpoint to this witness.")

            @Option(name: .long, help: "The witness's URL prefix, e.g. https://other-hub:8443/witness.")
            var url: String
            @Option(name: .long, help: "The witness's key (name+id+key, type 0x04), or a file holding it.")
            var key: String
            @Option(name: .long, help: "A PEM file with the root the witness's TLS certificate chains to (another hub's root).")
            var ca: String?

            @OptionGroup var store: StoreOptions
            @OptionGroup var log: LogOptions

            func run() async throws {
                let endpoint = try WitnessEndpoint(
                    key: try NoteVerifierKey(parsing: try Audit.keyText(key)), url: url,
                    caPEM: try ca.map { try String(contentsOfFile: $0, encoding: .utf8) })
                try await store.withStore(logger: try log.makeLogger()) { db in
                    try await AuditWitnessing(store: db).add(endpoint, actor: Witnesses.actor)
                }
                Output.print("checkpoints will be submitted to \(endpoint.key.name) at \(endpoint.url)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the witnesses and what each last cosigned.")

            @OptionGroup var store: StoreOptions
            @OptionGroup var log: LogOptions

            func run() async throws {
                let rows = try await store.withStore(logger: try log.makeLogger()) { db in try await AuditWitnessing(store: db).witnesses() }
                for row in rows {
                    let state = row.note == nil ? "nothing cosigned yet" : "cosigned \(row.size)"
                    Output.print("\(row.name)  \(row.url)  \(state)" + (row.lastError.map { "  last error: \($0)" } ?? ""))
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop submitting checkpoints to a witness (by name).")

            @Argument(help: "The witness's name, as `hearth audit witnesses` shows it.")
            var name: String

            @OptionGroup var store: StoreOptions
            @OptionGroup var log: LogOptions

            func run() async throws {
                try await store.withStore(logger: try log.makeLogger()) { db in
                    try await AuditWitnessing(store: db).remove(name: name, actor: Witnesses.actor)
                }
                Output.print("removed \(name)")
            }
        }
    }

    struct Redact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the details of entries older than N days; leaf hashes and proofs stay valid.")

        @Option(name: .long, help: "Redact entries older than this many days.")
        var olderThanDays: Int

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            guard olderThanDays >= 0 else { throw ValidationError("--older-than-days must be 0 or more") }
            let count = try await store.withStore(logger: try log.makeLogger()) { db in
                try await AuditRetention.redact(
                    store: db, olderThan: .seconds(Int64(olderThanDays) * 86_400), actor: .system("cli"))
            }
            Output.print("redacted the details of \(count) entries")
        }
    }
}
