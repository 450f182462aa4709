import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import Logging

enum Bench {

    struct StoreWrites: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Committed write transactions per second (one session row each) on an engine.",
            discussion: """
                Without --database it uses a new SQLite file in a temporary folder (removed afterwards). \
                With a postgres:// URL it writes into that database: give it a scratch database.
                """)

        @OptionGroup var database: BenchDatabase

        @Option(name: .long, help: "Seconds to run.")
        var seconds: Int = 5

        @Option(name: .long, help: "Concurrent writers.")
        var concurrency: Int = 4

        @OptionGroup var log: LogOptions

        func run() async throws {
            let (engine, result) = try await database.withStore(logger: try log.makeLogger()) { store in
                (store.engine.dialect.name, try await StoreWriteBenchmark(store: store, seconds: seconds, concurrency: concurrency).run())
            }
            Output.print("""
                engine: \(engine)  writers: \(concurrency)  duration: \(seconds) s
                committed: \(result.count)  rate: \(Int(result.rate)) commits/s  \
                latency p50: \(result.p50) ms  p99: \(result.p99) ms
                """)
        }
    }
}

/// The database a benchmark writes to: the `--database` URL, or a new SQLite file in a temporary
/// folder that is removed afterwards.
struct BenchDatabase: ParsableArguments {
    @Option(name: .long, help: "postgres://… to measure PostgreSQL; default: a temporary SQLite file.")
    var database: String?

    func withStore<Result: Sendable>(
        logger: Logger, clock: any HearthClock = SystemClock(), _ body: (Store) async throws -> Result
    ) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = DataFolder(path: scratch.path)
        try folder.create()
        let engine = try await DatabaseLocation(url: database, dataFolder: folder).makeEngine(logger: logger)
        return try await Store.withRunning(engine, clock: clock, logger: logger, body)
    }
}

/// Commits one-row transactions from several writers for a fixed time.
struct StoreWriteBenchmark {
    let store: Store
    let seconds: Int
    let concurrency: Int

    struct Result {
        let count: Int
        let rate: Double
        let p50: Double
        let p99: Double
    }

    func run() async throws -> Result {
        let now = store.clock.now
        let household = try Household(name: "bench", createdAt: now)
        let person = Person(
            email: try EmailAddress("bench-\(household.id.rawValue.lowercased())@bench.invalid"), mustChangePassword: false,
            createdAt: now)
        try await store.write { db in
            try await db.households.insert(household)
            try await db.people.insert(person, passwordHash: "$bench$not-a-password")
            try await db.memberships.insert(Membership(personID: person.id, householdID: household.id, role: .member, createdAt: now))
        }
        let result = try await Self.measure(seconds: seconds, concurrency: concurrency) {
            let session = SessionRecords.Session(
                tokenDigest: SecretToken(prefix: "bench_").digest, personID: person.id, householdID: household.id,
                createdAt: store.clock.now, expiresAt: store.clock.now.addingTimeInterval(60))
            try await store.write { db in try await db.sessions.insert(session) }
        }
        // Leave the scratch rows out of a PostgreSQL database that outlives the run.
        try await store.write { db in
            try await db.sessions.deleteAll(of: person.id)
            try await db.memberships.delete(person: person.id, household: household.id)
            try await db.db.execute("DELETE FROM people WHERE id = ?", person.id.rawValue)
            try await db.db.execute("DELETE FROM zones WHERE household_id = ?", household.id.rawValue)
            try await db.db.execute("DELETE FROM households WHERE id = ?", household.id.rawValue)
        }
        return result
    }

    /// Runs `operation` from `concurrency` tasks for `seconds`; the rate and latency percentiles (ms).
    static func measure(
        seconds: Int, concurrency: Int, _ operation: @escaping @Sendable () async throws -> Void
    ) async throws -> Result {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        try await operation()
                        samples.append((ContinuousClock.now - begin).milliseconds)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let total = (ContinuousClock.now - started).milliseconds / 1000
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            return (value * 100).rounded() / 100
        }
        return Result(count: latencies.count, rate: Double(latencies.count) / total, p50: percentile(0.5), p99: percentile(0.99))
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
