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
    /// 42, closed afterwards.
    static func makeLog(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let sealer = try KeySealer(kek: SecureRandom.bytes(32))
            let owner = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) { hasher in
                try await HubBootstrap.initialize(
                    store: store, sealer: sealer, hasher: hasher, householdName: "Home", ownerEmail: "owner@example.org",
                    hostnames: [], publicURL: HubProvisioning.defaultPublicURL(hostnames: [], port: 0))
            }
            let checkpointer = AuditCheckpointer(store: store, signer: try await AuditKey.loadSigner(store: store, sealer: sealer))
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

    static func verify(_ database: TestDatabase, _ extra: [String] = []) async throws -> ProcessRunner.Result {
        let target = database.engine == .sqlite ? ["--data", database.folder.path] : ["--database", database.url]
        return try await ProcessRunner.run(HearthProcess.binaryPath, ["audit", "verify"] + target + extra)
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
