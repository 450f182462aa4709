import HearthCore
@testable import HearthHub
import HearthStore
import HearthTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The group commit as a service: it batches concurrent records only while the group runs it,
/// and every record is committed whether it runs, has not started, or has stopped.
@Suite struct GroupCommitServiceTests {
    final class Batches: Sendable {
        let sizes = Mutex<[Int]>([])
        func withLock<R>(_ body: (inout [Int]) -> R) -> R { sizes.withLock { body(&$0) } }
    }

    /// A group commit over a real SQLite store whose commit notes the size of every batch.
    static func withGroupCommit(
        _ body: (GroupCommit<Int, Int>, Batches) async throws -> Void
    ) async throws {
        try await TestDatabase.with(.sqlite) { database in
            let logger = Logger(label: "test")
            try await Store.withRunning(try await database.makeEngine(logger: logger), clock: SystemClock(), logger: logger) { store in
                let batches = Batches()
                let commits = GroupCommit<Int, Int>(store: store) { batch, _ in
                    batches.withLock { $0.append(batch.count) }
                    return batch.map { $0 < 0 ? .failure(HearthError(.invalidInput, "negative")) : .success($0 * 2) }
                }
                try await body(commits, batches)
            }
        }
    }

    static func recordConcurrently(_ commits: GroupCommit<Int, Int>, _ items: ClosedRange<Int>) async throws -> [Int: Int] {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in items { group.addTask { (item, try await commits.record(item)) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    @Test func withoutTheServiceEachRecordCommitsAlone() async throws {
        try await Self.withGroupCommit { commits, batches in
            let results = try await Self.recordConcurrently(commits, 1...40)
            #expect(results == Dictionary(uniqueKeysWithValues: (1...40).map { ($0, $0 * 2) }))
            #expect(batches.withLock { $0 } == Array(repeating: 1, count: 40))
        }
    }

    @Test func theRunningServiceBatchesAndEveryRecordStillGetsItsOwnAnswer() async throws {
        try await Self.withGroupCommit { commits, batches in
            try await withServicesBeside([commits], logger: Logger(label: "test")) {
                // The group starts its services concurrently with this body: until the loop
                // runs, records commit alone.
                for _ in 0..<500 where await !commits.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                #expect(await commits.isRunning)
                let results = try await Self.recordConcurrently(commits, 1...300)
                #expect(results == Dictionary(uniqueKeysWithValues: (1...300).map { ($0, $0 * 2) }))
                await #expect(throws: HearthError.self) { try await commits.record(-1) }
            }
            let sizes = batches.withLock { $0 }
            #expect(sizes.reduce(0, +) == 301)
            #expect(sizes.count < 300, "300 concurrent records took \(sizes.count) transactions")
            #expect(sizes.allSatisfy { $0 <= GroupCommit<Int, Int>.maximumBatch })
            // Once the group has stopped it, records commit alone again.
            #expect(try await commits.record(7) == 14)
            #expect(batches.withLock { $0.last } == 1)
        }
    }
}
