import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// Two hubs, one witnessing the other's audit log over HTTPS (C2SP tlog-witness). The witnessed
/// log's thief holds its database and its KEK, so every local check passes after each attack;
/// `hearth audit verify --witness KEY` (the real binary) catches a rewrite, a fork and a rollback.
@Suite struct AuditWitnessTests {
    /// The witnessed hub's log: its database, the KEK's sealer (the thief has it too), and its
    /// checkpointer. Its checkpoints at 30 and 40 entries are cosigned by the witness hub.
    struct WitnessedLog {
        let database: TestDatabase
        let store: Store
        let checkpointer: AuditCheckpointer
        let witnessKey: NoteVerifierKey
        let kek: [UInt8]

        func append(_ count: Int, reason: String) async throws {
            for number in 0..<count {
                try await store.write { db in
                    try await db.audit.append(AuditEvent(
                        "test.appended", actor: .system("test"), subject: "item:\(number)", household: nil,
                        reason: "\(reason) \(number)"))
                }
            }
        }

        /// `hearth <arguments> --data … [--database …]` on this log's database, with its KEK.
        func hearth(_ arguments: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(
                HearthProcess.binaryPath,
                arguments + ["--data", database.folder.path] + (database.engine == .postgres ? ["--database", database.url] : []),
                environment: ProcessInfo.processInfo.environment.merging(["HEARTH_KEK": Data(kek).base64EncodedString()]) { $1 })
        }

        func verifyWithWitness() async throws -> ProcessRunner.Result {
            try await hearth(["audit", "verify", "--witness", witnessKey.description])
        }
    }

    /// A new hub's log on `engine`, witnessed by `witnessHub` up to its checkpoint 40.
    static func witnessedLog<Result: Sendable>(
        _ engine: TestEngine, by witnessHub: TestHub, _ body: (WitnessedLog) async throws -> Result
    ) async throws -> Result {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let kek = SecureRandom.bytes(32)
                let sealer = try KeySealer(kek: kek)
                _ = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) { hasher in
                    try await HubBootstrap.initialize(
                        store: store, sealer: sealer, hasher: hasher, householdName: "Home", ownerEmail: "owner@example.org",
                        hostnames: [], publicURL: HubProvisioning.defaultPublicURL(hostnames: [], port: 0))
                }
                let checkpointer = AuditCheckpointer(store: store, signer: try await AuditKey.loadSigner(store: store, sealer: sealer))
                let witness = AuditWitness(store: witnessHub.store, sealer: witnessHub.sealer)
                let log = WitnessedLog(
                    database: database, store: store, checkpointer: checkpointer, witnessKey: try await witness.verifierKey(), kek: kek)

                // The witness trusts the log's key; the log names the witness (with the CLI, as an owner would).
                try await witness.trust(logKey: try await AuditKey.storedVerifier(store), actor: .system("test"))
                let added = try await log.hearth([
                    "audit", "witnesses", "add", "--url", "https://127.0.0.1:\(witnessHub.port)/witness",
                    "--key", log.witnessKey.description, "--ca", witnessHub.certificatePath,
                ])
                #expect(added.status == 0, "\(added.standardError)")

                // What the running hub's "audit witnessing" service does after each checkpoint.
                let witnessing = AuditWitnessing(store: store)
                let initial = try await store.read { db in try await db.audit.size() }
                try await log.append(30 - Int(initial), reason: "first")
                try await checkpointer.checkpoint()
                let first = try await witnessing.submitNewest(via: HTTPWitnessTransport())
                #expect(first.values.map(\.description) == ["cosigned checkpoint 30"])
                try await log.append(10, reason: "second")
                try await checkpointer.checkpoint()
                let second = try await witnessing.submitNewest(via: HTTPWitnessTransport())
                #expect(second.values.map(\.description) == ["cosigned checkpoint 40"], "proven consistent from 30")
                #expect(try await witnessing.submitNewest(via: HTTPWitnessTransport()).isEmpty, "nothing new to submit")
                let stored = try #require(try await witnessing.witnesses().first)
                #expect(stored.size == 40 && stored.lastError == nil)
                let cosigned = try SignedNote.openCosigned(try #require(stored.note), verifier: log.witnessKey)
                #expect(cosigned.text.hasPrefix("\(AuditKey.origin(trustDomain: try await Self.trustDomain(store)))\n40\n"))

                let intact = try await log.verifyWithWitness()
                #expect(intact.status == 0, "\(intact.standardOutput)\(intact.standardError)")
                #expect(intact.standardOutput.contains("witness:      \(log.witnessKey.name): cosigned checkpoint 40"), "\(intact.standardOutput)")
                return try await body(log)
            }
        }
    }

    static func trustDomain(_ store: Store) async throws -> String {
        try #require(try await store.read { db in try await db.hub.identity() }).trustDomain
    }

    /// Passes locally (the thief re-signed everything) and fails against the witness with `expected`.
    static func expectCaughtOnlyByTheWitness(_ log: WitnessedLog, _ expected: String) async throws {
        let local = try await log.hearth(["audit", "verify"])
        #expect(local.status == 0 && local.standardOutput.contains("audit log intact"), "\(local.standardOutput)")
        let caught = try await log.verifyWithWitness()
        #expect(caught.status == 1, "\(caught.standardOutput)\(caught.standardError)")
        #expect(caught.standardOutput.contains(expected), "\(caught.standardOutput)")
        #expect(caught.standardOutput.contains("audit log verification FAILED: witness"), "\(caught.standardOutput)")
    }

    /// The thief's rewrite: the whole log rebuilt from its first entries with one entry changed,
    /// grown to `size` and signed with the audit key (the thief holds the KEK).
    static func rewrite(_ log: WitnessedLog, keeping kept: Int64, size: Int64, change: Int64?) async throws {
        let entries = try await log.store.read { db in try await db.audit.entries(AuditQuery(newestFirst: false, limit: Int(kept))) }
        try await log.store.write { db in
            for table in ["audit_entries", "audit_nodes", "audit_checkpoints"] { try await db.db.execute("DELETE FROM \(table)") }
            try await db.db.execute("UPDATE audit_head SET size = 0")
            for entry in entries {
                _ = try await db.audit.append(AuditEvent(
                    AuditAction(entry.action) ?? "test.appended", actor: .system("rewritten"), subject: entry.subject, household: nil,
                    reason: entry.index == change ? "nothing happened" : entry.reason))
            }
        }
        try await log.append(Int(size - kept), reason: "regrown")
        try await log.checkpointer.checkpoint()
    }

    @Test(arguments: TestEngine.allCases)
    func aRewrittenLogIsRefusedByTheWitness(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub { witnessHub in
            try await Self.witnessedLog(engine, by: witnessHub) { log in
                // Entry 5 rewritten, the log regrown to 45 and re-signed: no proof joins the cosigned 40.
                try await Self.rewrite(log, keeping: 40, size: 45, change: 5)
                try await Self.expectCaughtOnlyByTheWitness(
                    log, "rewritten: the witness cosigned checkpoint 40, and this log does not extend it")
                // The running hub's submission is refused the same way, recorded, and nothing moves at the witness.
                let outcome = try await AuditWitnessing(store: log.store).submitNewest(via: HTTPWitnessTransport())
                #expect(outcome.values.allSatisfy { $0.provesTampering }, "\(outcome)")
                let witnessed = try await AuditWitness(store: witnessHub.store, sealer: nil).logs()
                #expect(witnessed.map(\.size) == [40])
                let listed = try await log.hearth(["audit", "witnesses"])
                #expect(listed.standardOutput.contains("cosigned 40  last error: rewritten"), "\(listed.standardOutput)")
                let checkup = try await log.hearth(["checkup"])
                #expect(checkup.status == 1 && checkup.standardOutput.contains("audit-witness-refused"), "\(checkup.standardOutput)\(checkup.standardError)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aForkAtTheCosignedSizeIsRefusedByTheWitness(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub { witnessHub in
            try await Self.witnessedLog(engine, by: witnessHub) { log in
                // Cut back to 30 and grown to 40 again with other entries: a second history of the
                // same length as the cosigned one.
                try await AuditTamperTests.rollBack(log.store, to: 30)
                try await log.append(10, reason: "another")
                try await log.checkpointer.checkpoint()
                try await Self.expectCaughtOnlyByTheWitness(
                    log, "rewritten: the witness cosigned checkpoint 40 with another root hash than this log's")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aRolledBackLogIsCaughtByTheWitness(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub { witnessHub in
            try await Self.witnessedLog(engine, by: witnessHub) { log in
                // An older copy of the database: entries, nodes and checkpoints after 30 gone.
                try await AuditTamperTests.rollBack(log.store, to: 30)
                try await Self.expectCaughtOnlyByTheWitness(
                    log, "rolled back: the witness cosigned checkpoint 40, but the log's newest checkpoint is 30")
            }
        }
    }

    /// Two running hubs: the log hub's own "audit witnessing" service submits each new checkpoint.
    @Test func aRunningHubSubmitsItsCheckpointsToItsWitnessByItself() async throws {
        try await withTestHub { witnessHub in
            try await withTestHub(ticking: true) { logHub in
                let witness = AuditWitness(store: witnessHub.store, sealer: witnessHub.sealer)
                try await witness.trust(logKey: try await AuditKey.storedVerifier(logHub.store), actor: .system("test"))
                let endpoint = try WitnessEndpoint(
                    key: try await witness.verifierKey(), url: "https://127.0.0.1:\(witnessHub.port)/witness",
                    caPEM: try String(contentsOfFile: witnessHub.certificatePath, encoding: .utf8))
                try await AuditWitnessing(store: logHub.store).add(endpoint, actor: .system("test"))
                // An entry (the failed sign-in) moves the head; the next checkpoint is submitted.
                _ = try await logHub.client.json("POST", "/v1/session", ["email": "nobody@example.org", "password": "wrong password"])
                var cosigned: Int64 = 0
                for _ in 0..<100 where cosigned == 0 {
                    try await Task.sleep(for: .milliseconds(100))
                    let newest = try await logHub.store.read { db in try await db.audit.latestCheckpoint() }
                    let row = try await AuditWitnessing(store: logHub.store).witnesses().first
                    if let row, row.note != nil, row.size == newest?.size { cosigned = row.size }
                }
                #expect(cosigned > 0, "the witness cosigned the log hub's newest checkpoint")
                #expect(try await witness.logs().map(\.size) == [cosigned])
            }
        }
    }

    /// What a stranger can send the witness endpoint: each refusal has the protocol's status, and
    /// nothing moves.
    @Test func theWitnessEndpointAnswersTheProtocolsStatuses() async throws {
        try await withTestHub { witnessHub in
            try await Self.witnessedLog(.sqlite, by: witnessHub) { log in
                let newest = try #require(try await log.store.read { db in try await db.audit.latestCheckpoint() })
                func post(_ body: String) async throws -> CurlClient.Response {
                    try await witnessHub.client.request(
                        "POST", "/witness/add-checkpoint", headers: ["Content-Type": "text/plain"], body: Data(body.utf8))
                }
                let stale = try await post("old 30\n\n\(newest.note)")
                #expect(stale.status == 409 && stale.text == "40\n" && stale.headers["content-type"] == "text/x.tlog.size")
                #expect(try await post("old 40\n\n\(newest.note)").status == 200, "the same checkpoint again is cosigned")
                #expect(try await post("garbage").status == 400)
                #expect(try await post("old 50\n\n\(newest.note)").status == 400)
                let foreign = try CheckpointSigner(origin: "elsewhere.home.arpa/audit", key: .init())
                #expect(try await post("old 0\n\n\(try foreign.sign(size: 1, rootHash: MerkleHash.leaf([1]), time: Date()))").status == 404)
                let forged = newest.note.replacingOccurrences(of: "\n40\n", with: "\n41\n")
                #expect(try await post("old 40\n\n\(forged)").status == 403)
                #expect(try await post("old 40\n" + String(repeating: "AAAA\n", count: 70) + "\n" + newest.note).status == 400)
                let witnessed = try await AuditWitness(store: witnessHub.store, sealer: nil).logs()
                #expect(witnessed.map(\.size) == [40])
            }
        }
    }
}
