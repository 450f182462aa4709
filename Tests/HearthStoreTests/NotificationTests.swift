import HearthCore
import HearthStore
import HearthTesting
import Logging
import Synchronization
import Testing

/// ``SQLExecutor/notify(_:)`` and ``DatabaseEngine/listen(_:_:)``: a transaction's notification
/// reaches a listener once the transaction has committed, never when it rolled back, and only on
/// its channel — PostgreSQL's NOTIFY, and SQLite's in-process delivery, which merges a burst.
@Suite struct NotificationTests {
    struct Refused: Error {}
    static let channel = "hearth_test_probe"

    /// What the listener read, one value per call: the largest id in the table at that moment.
    final class Seen: Sendable {
        private let values = Mutex<[Int64]>([])
        func append(_ value: Int64) { values.withLock { $0.append(value) } }
        var all: [Int64] { values.withLock { $0 } }
    }

    static func largest(_ engine: any DatabaseEngine) async throws -> Int64 {
        let row = try await engine.read { db in try await db.first("SELECT COALESCE(MAX(id), 0) AS id FROM probe") }
        return try row?.integer("id") ?? 0
    }

    static func insert(_ id: Int64, notifying channel: String? = NotificationTests.channel, _ engine: any DatabaseEngine) async throws {
        try await engine.transaction { db in
            try await db.execute("INSERT INTO probe (id) VALUES (?)", id)
            if let channel { try await db.notify(channel) }
        }
    }

    static func withListener(
        _ engine: TestEngine, pause: Duration = .zero, _ body: (any DatabaseEngine, Seen) async throws -> Void
    ) async throws {
        try await TestDatabase.with(engine) { database in
            let engine = try await database.makeEngine()
            try await Store.withRunning(engine, clock: SystemClock(), logger: .init(label: "test"), migrate: false) { _ in
                try await engine.transaction { db in try await db.execute("CREATE TABLE probe (id BIGINT PRIMARY KEY)") }
                let seen = Seen()
                let listening = Task {
                    try await engine.listen(Self.channel) {
                        if let largest = try? await Self.largest(engine) { seen.append(largest) }
                        try? await Task.sleep(for: pause)
                    }
                }
                defer { listening.cancel() }
                // PostgreSQL's LISTEN is in place once a notification gets through: a minute, for
                // the suite's first minute, when a hundred hubs start on two cores.
                var id: Int64 = 0
                try await eventually("the listener hears the first notification", within: .seconds(60)) {
                    id += 1
                    try await Self.insert(id, engine)
                    try await Task.sleep(for: .milliseconds(100))
                    return !seen.all.isEmpty
                }
                try await eventually("the listener is done with the first notifications") {
                    let count = seen.all.count
                    try await Task.sleep(for: .milliseconds(300) + pause)
                    return seen.all.count == count
                }
                try await body(engine, seen)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aNotificationArrivesAtCommitOnItsChannelAndNotAfterARollback(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await Self.withListener(engine) { engine, seen in
            let before = seen.all.count
            await #expect(throws: Refused.self) {
                try await engine.transaction { db in
                    try await db.execute("INSERT INTO probe (id) VALUES (?)", Int64(1_000))
                    try await db.notify(Self.channel)
                    throw Refused()
                }
            }
            try await Self.insert(1_001, notifying: "hearth_test_other", engine)
            try await Self.insert(1_002, notifying: nil, engine)
            // Time for a wrong notification to arrive (and be read) before the right one is sent.
            try await Task.sleep(for: .milliseconds(500))
            #expect(seen.all.count == before, "heard \(seen.all.dropFirst(before)) without a notification on the channel")
            try await Self.insert(1_003, engine)
            try await eventually("the committed transaction's notification arrives", within: .seconds(30)) { seen.all.count > before }
            #expect(Array(seen.all.dropFirst(before)) == [1_003], "what the listener read: the commit is there")
        }
    }

    /// A notification sent through a read is refused: there is no commit to send it at.
    @Test(arguments: TestEngine.allCases)
    func aReadCannotNotify(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await TestDatabase.with(engine) { database in
            let engine = try await database.makeEngine()
            try await Store.withRunning(engine, clock: SystemClock(), logger: .init(label: "test"), migrate: false) { _ in
                await #expect(throws: HearthError.notificationInARead) { try await engine.read { db in try await db.notify(Self.channel) } }
            }
        }
    }

    /// Two hundred transactions at once while the listener takes 50 ms a call: it is called far
    /// fewer times than notified, and its last call comes after the last commit.
    @Test func aBurstOfCommitsWakesASQLiteListenerFewerTimes() async throws {
        try await Self.withListener(.sqlite, pause: .milliseconds(50)) { engine, seen in
            let before = seen.all.count
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in Int64(1_001)...1_200 { group.addTask { try await Self.insert(id, engine) } }
                try await group.waitForAll()
            }
            try await eventually("a call reads the last commit", within: .seconds(30)) { seen.all.last == 1_200 }
            let calls = seen.all.count - before
            #expect(calls < 100, "\(calls) calls for 200 notifications")
        }
    }
}
