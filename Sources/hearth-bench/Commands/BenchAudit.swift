import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

/// `hearth-bench audit`: append throughput, then proof and search times as the log grows.
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit appends per second, then proof, root and search times at growing log sizes.",
        discussion: """
            Appends are one transaction each, as a feature makes them. The log is then filled in \
            batches of 1,000 entries per transaction up to each --sizes value, and at every size \
            proofs for random leaves are generated from the stored tree. Without --database it uses \
            a temporary SQLite file; with a postgres:// URL give it a scratch database (the log is \
            append-only, so the entries stay).
            """)

    @OptionGroup var database: BenchDatabase

    @Option(name: .long, help: "Seconds of single-entry appends.")
    var seconds: Int = 5

    @Option(name: .long, help: "Concurrent appenders.")
    var concurrency: Int = 4

    @Option(name: .long, parsing: .upToNextOption, help: "Log sizes at which to time proofs.")
    var sizes: [Int] = [1_000, 10_000, 100_000, 1_000_000]

    @Option(name: .long, help: "Proofs timed at each size.")
    var proofs: Int = 200

    @OptionGroup var log: LogOptions

    func run() async throws {
        try await database.withStore(logger: try log.makeLogger()) { store in
            let appends = try await StoreWriteBenchmark.measure(seconds: seconds, concurrency: concurrency) {
                _ = try await store.write { db in try await db.audit.append(Self.event(0)) }
            }
            Output.print("""
                engine: \(store.engine.dialect.name)  appenders: \(concurrency)  duration: \(seconds) s
                appended: \(appends.count)  rate: \(Int(appends.rate)) appends/s  \
                latency p50: \(appends.p50) ms  p99: \(appends.p99) ms
                """)
            for target in sizes.sorted() {
                let filled = try await fill(store, to: Int64(target))
                try await timeProofs(store, filled: filled)
            }
        }
    }

    static func event(_ number: Int64) -> AuditEvent {
        AuditEvent(
            "bench.appended", actor: .system("bench"), subject: "item:\(number % 997)", household: nil,
            reason: "benchmark", details: ["n": String(number)])
    }

    /// Appends batches until the log holds `target` entries; prints the bulk rate.
    private func fill(_ store: Store, to target: Int64) async throws -> Int64 {
        let start = try await store.read { db in try await db.audit.size() }
        guard start < target else { return start }
        let began = ContinuousClock.now
        var size = start
        while size < target {
            let count = Int(min(1_000, target - size))
            let first = size
            try await store.write { db in
                try await db.audit.append((0..<Int64(count)).map { Self.event(first + $0) })
            }
            size += Int64(count)
        }
        let seconds = (ContinuousClock.now - began).milliseconds / 1000
        Output.print("filled to \(size) entries: \(Int(Double(size - start) / seconds)) entries/s in 1,000-entry transactions")
        return size
    }

    private func timeProofs(_ store: Store, filled size: Int64) async throws {
        var generator = SystemRandomNumberGenerator()
        let root = try await store.read { db in try await db.audit.rootHash(size: size) }
        var inclusion: [Double] = []
        var consistency: [Double] = []
        var pathLength = 0
        for _ in 0..<proofs {
            let index = Int64.random(in: 0..<size, using: &generator)
            let began = ContinuousClock.now
            let path = try await store.read { db in try await db.audit.inclusionProof(index: index, size: size) }
            inclusion.append((ContinuousClock.now - began).milliseconds)
            pathLength = max(pathLength, path.count)
            let leaf = try await store.read { db in try await db.audit.entry(at: index)!.leafHash }
            guard ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, path: path, root: root) else {
                throw HearthError(.storageUnavailable, "the inclusion proof for \(index) of \(size) did not verify")
            }
            let old = Int64.random(in: 1...size, using: &generator)
            let started = ContinuousClock.now
            _ = try await store.read { db in try await db.audit.consistencyProof(from: old, to: size) }
            consistency.append((ContinuousClock.now - started).milliseconds)
        }
        let searchStarted = ContinuousClock.now
        let found = try await store.read { db in
            try await db.audit.entries(AuditQuery(subject: "item:42", limit: 100))
        }
        let search = (ContinuousClock.now - searchStarted).milliseconds
        func median(_ values: [Double]) -> Double { (values.sorted()[values.count / 2] * 1000).rounded() / 1000 }
        Output.print("""
            size \(size): inclusion proof median \(median(inclusion)) ms (path \(pathLength) hashes), \
            consistency proof median \(median(consistency)) ms, \
            search (subject, newest 100 of \(found.count == 100 ? "many" : String(found.count))) \((search * 1000).rounded() / 1000) ms
            """)
    }
}
