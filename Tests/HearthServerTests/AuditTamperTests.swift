import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// Someone with write access to the database rewrites the log; `hearth audit verify` (the real
/// binary) catches each change and names where it is.
@Suite struct AuditTamperTests {
    struct Tamper: Sendable, CustomTestStringConvertible {
        let name: String
        /// What the output must name, and whether a first bad index is expected.
        let expected: String
        let change: @Sendable (Store) async throws -> Void
        var testDescription: String { name }
    }

    static let tampers: [Tamper] = [
        Tamper(name: "one byte of an entry changed", expected: "first bad index 17") { store in
            try await execute(store, "UPDATE audit_entries SET reason = 'Number 17' WHERE seq = 17")
        },
        Tamper(name: "a row deleted", expected: "first bad index 12") { store in
            try await execute(store, "DELETE FROM audit_entries WHERE seq = 12")
        },
        Tamper(name: "the last row deleted", expected: "first bad index 41") { store in
            try await execute(store, "DELETE FROM audit_entries WHERE seq = 41")
        },
        Tamper(name: "two rows swapped", expected: "first bad index 20") { store in
            try await execute(store, "UPDATE audit_entries SET seq = -1 WHERE seq = 20")
            try await execute(store, "UPDATE audit_entries SET seq = 20 WHERE seq = 21")
            try await execute(store, "UPDATE audit_entries SET seq = 21 WHERE seq = -1")
        },
        Tamper(name: "details altered", expected: "first bad index 33") { store in
            try await execute(store, #"UPDATE audit_entries SET details = '{"n":"330"}' WHERE seq = 33"#)
        },
        Tamper(name: "a checkpoint signature replaced", expected: "checkpoint 25: the signature") { store in
            // A well-formed signature by the right key id, made for another checkpoint.
            let (note10, note25) = try await store.read { db in
                (try await db.audit.checkpoint(size: 20)!.note, try await db.audit.checkpoint(size: 25)!.note)
            }
            let forged = note25.components(separatedBy: "\n\n")[0] + "\n\n" + note10.components(separatedBy: "\n\n")[1]
            try await store.write { db in
                try await db.db.execute("UPDATE audit_checkpoints SET note = ? WHERE size = 25", forged)
            }
        },
        // The stronger attack: an entry and its stored leaf hash rewritten together. Only the
        // signed checkpoint after it can tell, so the report names the span it covers.
        Tamper(name: "an entry rewritten with its leaf hash", expected: "first bad index 25") { store in
            try await store.write { db in
                let entry = try await db.audit.entry(at: 30)!
                let forged = AuditEntry(
                    index: entry.index, time: entry.time, householdID: entry.householdID, actor: entry.actor,
                    action: entry.action, subject: entry.subject, reason: "nothing happened", details: entry.details,
                    detailsSalt: entry.detailsSalt, detailsCommitment: entry.detailsCommitment, redactedAt: nil)
                try await db.db.execute("UPDATE audit_entries SET reason = ? WHERE seq = 30", forged.reason)
                try await db.db.execute("UPDATE audit_nodes SET hash = ? WHERE level = 0 AND idx = 30", forged.leafHash)
            }
        },
    ]

    static func execute(_ store: Store, _ sql: String) async throws {
        try await store.write { db in try await db.db.execute(sql) }
    }

    /// A hub's database with 42 entries (init's, then test entries) and checkpoints at 20, 25 and
    /// 42, closed afterwards. With `recording`, the newest checkpoint is also kept in the
    /// database's folder, as `hearth serve` keeps it in the data folder.
    static func makeLog(_ database: TestDatabase, recording: Bool = false) async throws {
        try await database.withStore { store in
            let sealer = try KeySealer(kek: SecureRandom.bytes(32))
            let owner = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) { hasher in
                try await HubBootstrap.initialize(
                    store: store, sealer: sealer, hasher: hasher, householdName: "Home", ownerEmail: "owner@example.org",
                    hostnames: [], publicURL: HubProvisioning.defaultPublicURL(hostnames: [], port: 0))
            }
            let file = recording ? AuditCheckpointFile(path: Self.recordPath(database)) : nil
            let checkpointer = AuditCheckpointer(
                store: store, signer: try await AuditKey.loadSigner(store: store, sealer: sealer), file: file)
            let initial = try await store.read { db in try await db.audit.size() }
            #expect(initial < 20, "init writes fewer entries than the first checkpoint covers")
            for number in Int(initial)..<42 {
                try await store.write { db in
                    try await db.audit.append(AuditEvent(
                        "test.appended", actor: .person(owner.personID), subject: "item:\(number)", household: owner.householdID,
                        reason: "number \(number)", details: ["n": String(number)]))
                }
                if [19, 24, 41].contains(number) { try await checkpointer.checkpoint() }
            }
        }
    }

    static func recordPath(_ database: TestDatabase) -> String {
        database.folder.appendingPathComponent(AuditCheckpointFile.fileName).path
    }

    /// `hearth audit verify` with the database's folder as the data folder (where the recorded
    /// checkpoint is looked for), on its SQLite file or its PostgreSQL database.
    static func verify(_ database: TestDatabase, _ extra: [String] = [], data: URL? = nil) async throws -> ProcessRunner.Result {
        // Another data folder does not hold the SQLite file: name the database then, as for PostgreSQL.
        let target = ["--data", (data ?? database.folder).path]
            + (database.engine == .postgres || data != nil ? ["--database", database.url] : [])
        return try await ProcessRunner.run(HearthProcess.binaryPath, ["audit", "verify"] + target + extra)
    }

    /// What a database writer does to roll the log back to `size` entries: the newer entries,
    /// their tree nodes and the checkpoints that signed them deleted, the head moved back. What
    /// is left is exactly the older log, with valid signatures.
    static func rollBack(_ store: Store, to size: Int64) async throws {
        try await store.write { db in
            try await db.db.execute("DELETE FROM audit_entries WHERE seq >= ?", size)
            try await db.db.execute("DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > ?", size)
            try await db.db.execute("UPDATE audit_head SET size = ?", size)
            try await db.db.execute("DELETE FROM audit_checkpoints WHERE size > ?", size)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func anUntouchedLogVerifies(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await Self.makeLog(database)
            let result = try await Self.verify(database)
            #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
            #expect(result.standardOutput.contains("entries 0..<42 are covered by a verified signature"))
            #expect(result.standardOutput.contains("audit log intact"))

            // Redaction keeps it verifiable, and a pinned copy of the key is honoured.
            let key = try await ProcessRunner.run(HearthProcess.binaryPath, ["audit", "key", "--data", database.folder.path]
                + (engine == .postgres ? ["--database", database.url] : []))
            let redact = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["audit", "redact", "--older-than-days", "0", "--data", database.folder.path]
                    + (engine == .postgres ? ["--database", database.url] : []))
            #expect(redact.standardOutput.contains("redacted the details of 42 entries"))
            let pinned = try await Self.verify(database, ["--key", key.standardOutput])
            #expect(pinned.status == 0, "\(pinned.standardOutput)")
            #expect(pinned.standardOutput.contains("42 redacted"))
        }
    }

    @Test(arguments: TestEngine.allCases, tampers)
    func tamperingIsCaughtAndLocated(engine: TestEngine, tamper: Tamper) async throws {
        try await TestDatabase.with(engine) { database in
            try await Self.makeLog(database)
            try await database.withStore { store in try await tamper.change(store) }
            let result = try await Self.verify(database)
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("audit log verification FAILED"))
            #expect(result.standardOutput.contains(tamper.expected), "\(result.standardOutput)\(result.standardError)")
        }
    }

    /// The rollback that signatures alone cannot see: cut back to checkpoint 25 with checkpoint 42
    /// deleted, the log verifies — unless the checkpoint recorded outside the database says it
    /// reached 42.
    @Test(arguments: TestEngine.allCases)
    func aLogCutBackBehindTheRecordedCheckpointIsReportedAsRolledBack(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await TestDatabase.with(engine) { database in
            try await Self.makeLog(database, recording: true)
            let intact = try await Self.verify(database)
            #expect(intact.status == 0, "\(intact.standardOutput)\(intact.standardError)")
            #expect(intact.standardOutput.contains("recorded:     checkpoint 42, kept outside the database"), "\(intact.standardOutput)")
            #expect(intact.standardOutput.contains("audit log intact"))
            let key = try await ProcessRunner.run(
                HearthProcess.binaryPath,
                ["audit", "key", "--data", database.folder.path] + (engine == .postgres ? ["--database", database.url] : []))

            try await database.withStore { store in try await Self.rollBack(store, to: 25) }

            // Without the record, the older log is all there is to see: it verifies (docs/audit.md says so).
            let elsewhere = try TemporaryFolder.make(prefix: "no-record")
            defer { try? FileManager.default.removeItem(at: elsewhere) }
            let blind = try await Self.verify(database, data: elsewhere)
            #expect(blind.status == 0 && blind.standardOutput.contains("audit log intact"), "\(blind.standardOutput)")
            #expect(blind.standardOutput.contains("no checkpoint is recorded"), "\(blind.standardOutput)")

            // With it, with the stored key or the pinned one: rolled back, exit 1.
            for extra in [[], ["--key", key.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)]] {
                let caught = try await Self.verify(database, extra)
                #expect(caught.status == 1, "\(caught.standardOutput)\(caught.standardError)")
                #expect(caught.standardOutput.contains(
                    "rolled back: checkpoint 42 was recorded outside the database (\(Self.recordPath(database))), but the log holds 25 entries; entries 25..<42 were removed"),
                    "\(caught.standardOutput)")
                #expect(caught.standardOutput.contains("the checkpoints after 25 were deleted"), "\(caught.standardOutput)")
                #expect(caught.standardOutput.contains("audit log verification FAILED: the log was rolled back"), "\(caught.standardOutput)")
            }
        }
    }

    /// Cut back and then grown again past the recorded size, the log hashes to another root at the
    /// recorded size: reported as rewritten, and the hub keeps the record rather than move it on.
    @Test func aLogCutBackAndRegrownIsReportedAndTheHubKeepsItsRecord() async throws {
        try await withTestHub { hub in
            let owner = try await PKITools.token(hub)
            let signed = try await hub.client.request("POST", "/v1/audit/checkpoint", headers: PKITools.bearer(owner))
            #expect(signed.status == 201, "\(signed.text)")
            let record = AuditCheckpointFile(path: Self.recordPath(hub.database))
            let recorded = try #require(try record.note(), "the hub keeps its newest checkpoint in its folder")
            let key = try await AuditKey.storedVerifier(hub.store)
            let size = try LogVerifier(key: key).open(recorded).size
            #expect(size > 2)

            try await Self.rollBack(hub.store, to: size - 2)
            for number in 0..<5 {
                try await hub.store.write { db in
                    try await db.audit.append(AuditEvent(
                        "test.appended", actor: .system("test"), subject: "item:\(number)", household: nil, reason: "a new history"))
                }
            }
            let refused = try await hub.client.request("POST", "/v1/audit/checkpoint", headers: PKITools.bearer(owner))
            #expect(refused.status == 409 && refused.text.contains("audit-rollback"), "\(refused.text)")
            #expect(try record.note() == recorded, "the record is not moved onto the new history")

            let report = try await AuditLogVerifier(
                store: hub.store, key: key,
                recorded: .init(note: recorded, location: record.path)
            ).verify()
            #expect(report.rolledBack)
            #expect(report.findings.contains { $0.message.contains("do not hash to the root of checkpoint \(size) recorded outside the database") },
                    "\(report.findings)")
        }
    }

    @Test func aKeyOtherThanThePinnedOneIsRefused() async throws {
        try await TestDatabase.with(.sqlite) { database in
            try await Self.makeLog(database)
            // The attacker swaps in their own key and re-signs: a pinned key still catches it.
            let other = try CheckpointSigner(origin: "elsewhere.home.arpa/audit", key: .init()).verifierKey
            let result = try await Self.verify(database, ["--key", other.description])
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("no signature by key elsewhere.home.arpa/audit"))
        }
    }
}
