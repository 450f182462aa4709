import HearthCore
import HearthStore
@testable import HearthStoreSQLite
import HearthTesting
import Logging
import Testing

/// SQLite's group commit: transactions that queue for the writer share one commit, each in its
/// own savepoint. One that fails takes nothing of the others with it, every one that succeeds is
/// on disk when it returns, and the grouping really happens.
@Suite struct GroupCommitTests {
    struct Refused: Error {}

    @Test func queuedTransactionsShareCommitsAndAFailureUndoesOnlyItself() async throws {
        try await TestDatabase.with(.sqlite) { database in
            let count = 300
            var committed: Set<Int64> = []
            let engine = try await database.makeEngine()
            try await Store.withRunning(engine, clock: SystemClock(), logger: .init(label: "test"), migrate: false) { _ in
                try await engine.transaction { db in
                    try await db.execute("CREATE TABLE probe (id BIGINT PRIMARY KEY, label TEXT UNIQUE)")
                }
                let outcomes = await withTaskGroup(of: (Int64, Bool).self) { group in
                    for id in 1...Int64(count) {
                        group.addTask {
                            do {
                                try await engine.transaction { db in
                                    // Every 5th fails in its own code after writing; every 7th
                                    // wants the label "taken", which only the first can have.
                                    _ = try await db.query(
                                        "INSERT INTO probe (id, label) VALUES (?, ?)",
                                        [.integer(id), .text(id % 7 == 0 ? "taken" : "label \(id)")])
                                    if id % 5 == 0 { throw Refused() }
                                }
                                return (id, true)
                            } catch {
                                return (id, false)
                            }
                        }
                    }
                    return await group.reduce(into: [(Int64, Bool)]()) { $0.append($1) }
                }
                committed = Set(outcomes.filter(\.1).map(\.0))
                // Exactly one "taken" insert can win; the others fail on the constraint.
                let expected = Set((1...Int64(count)).filter { $0 % 5 != 0 && $0 % 7 != 0 })
                #expect(committed.subtracting(expected).count <= 1)
                #expect(expected.isSubset(of: committed))
                let rows = try await engine.read { db in try await db.query("SELECT id FROM probe", []) }
                #expect(Set(rows.compactMap { if case .integer(let id) = $0["id"] { id } else { nil } }) == committed)
                let commits = try #require(engine as? SQLiteEngine).commitCount
                print("group commit: \(commits) commits for \(count) transactions, \(committed.count) of them committed")
                #expect(commits < count / 2, "\(commits) commits for \(count) transactions")
            }
            // What returned is on disk: a new engine on the file sees exactly it.
            let reopened = try await database.makeEngine()
            try await Store.withRunning(reopened, clock: SystemClock(), logger: .init(label: "test"), migrate: false) { _ in
                let rows = try await reopened.read { db in try await db.query("SELECT id FROM probe", []) }
                #expect(Set(rows.compactMap { if case .integer(let id) = $0["id"] { id } else { nil } }) == committed)
            }
        }
    }
}
