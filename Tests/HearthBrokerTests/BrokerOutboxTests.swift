@testable import HearthBroker
import HearthCore
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The outbox as a service: changes wait for it to start, are written in order while it runs,
/// and still reach storage after it stopped.
@Suite struct BrokerOutboxTests {
    let household = HouseholdID()

    /// Storage that keeps what it is given, in order (the real one is tested over SQLite and
    /// PostgreSQL in the broker's restart tests).
    final class RecordingStorage: BrokerStorage {
        let applied = Mutex<[[String]]>([])
        func load(household: HouseholdID?) async throws -> StoredBrokerState { StoredBrokerState(sessions: [], queued: [:], retained: []) }
        func apply(_ changes: [StorageChange]) async throws {
            applied.withLock { batches in
                batches.append(changes.map { if case .sessionEnded(_, let key) = $0 { key } else { "?" } })
            }
        }
        var keys: [String] { applied.withLock { $0.flatMap { $0 } } }
    }

    @Test func changesWaitForTheServiceAreWrittenInOrderAndOutliveIt() async throws {
        let storage = RecordingStorage()
        let outbox = BrokerOutbox(storage: storage, logger: Logger(label: "test"))
        let early = outbox.enqueue([.sessionEnded(household: household, key: "a"), .sessionEnded(household: household, key: "b")])
        #expect(early == 2)
        #expect(storage.keys.isEmpty, "nothing is written before the service runs")
        let group = ServiceGroup(configuration: .init(services: [outbox], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await outbox.durable(through: early)
            var last: UInt64 = 0
            for index in 0..<1000 { last = outbox.enqueue([.sessionEnded(household: household, key: "k\(index)")]) }
            try await outbox.durable(through: last)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(storage.keys == ["a", "b"] + (0..<1000).map { "k\($0)" })
        // After the service stopped: written by a drain of their own.
        let late = outbox.enqueue([.sessionEnded(household: household, key: "late")])
        try await outbox.durable(through: late)
        #expect(storage.keys.last == "late")
    }

    /// Storage whose first write never answers (a connection whose server is gone), then writes.
    final class StuckOnceStorage: BrokerStorage {
        let written = Mutex<[String]>([])
        let calls = Mutex(0)
        func load(household: HouseholdID?) async throws -> StoredBrokerState { StoredBrokerState() }
        func apply(_ changes: [StorageChange]) async throws {
            if calls.withLock({ calls in defer { calls += 1 }; return calls == 0 }) {
                try await Task.sleep(for: .seconds(600))
            }
            written.withLock { $0 += changes.map { if case .sessionEnded(_, let key) = $0 { key } else { "?" } } }
        }
    }

    /// A write that never answers counts as failed at the deadline, and the changes after it are
    /// written: one dead database connection does not hold the broker's writes for good.
    @Test func aWriteThatNeverAnswersFailsAtItsDeadlineAndTheNextAreWritten() async throws {
        let storage = StuckOnceStorage()
        let outbox = BrokerOutbox(storage: storage, logger: Logger(label: "test"), applyDeadline: .milliseconds(200))
        let group = ServiceGroup(configuration: .init(services: [outbox], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let stuck = outbox.enqueue([.sessionEnded(household: household, key: "stuck")])
            let started = ContinuousClock.now
            await #expect(throws: BrokerOutbox.ApplyTimedOut.self) { try await outbox.durable(through: stuck) }
            // Not the stuck write's 600 s. (At the deadline alone, 0.2 s; under the whole suite's load the
            // timer has waited 45 s for a thread.)
            #expect(ContinuousClock.now - started < .seconds(300))
            let next = outbox.enqueue([.sessionEnded(household: household, key: "next")])
            try await outbox.durable(through: next)
            #expect(storage.written.withLock { $0 } == ["next"])
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
