import HearthSimulation
import HearthCommandLine
import NIOCore

/// Many idle connections: each does the mutual-TLS handshake and CONNECT, then sends nothing.
/// Measures what holding them costs the broker (resident memory per connection) and what
/// opening them cost (its CPU per connection).
struct IdleRun {
    let connector: LoadConnector
    let specs: [LoadConnectionSpec]
    let broker: ProcessGauge?
    let concurrency: Int
    /// Time left for the broker to settle before its memory is read.
    let settle: Duration

    struct Result {
        var attempted: Int
        var connected: Int
        /// Still open after the settle time (a broker may close some, e.g. on a session takeover).
        var open: Int
        /// Failure reasons, most frequent first, with their counts.
        var failures: [(reason: String, count: Int)]
        /// Why connections that were accepted were closed afterwards, most frequent first.
        var closedAfterwards: [(reason: String, count: Int)]
        var connectSeconds: Double
        var brokerCPUMilliseconds: Double?
        var brokerRSSBefore: Int?
        var brokerRSSAfter: Int?
    }

    func run() async throws -> Result {
        let rssBefore = broker?.residentKiB()
        let cpu0 = broker?.cpuMilliseconds()
        let began = LoadClock.now()
        let results = await connector.openAll(specs, concurrency: concurrency)
        let connectSeconds = Double(LoadClock.now() - began) / 1e9
        let cpu1 = broker?.cpuMilliseconds()
        try await Task.sleep(for: settle)
        let rssAfter = broker?.residentKiB()
        let connections = results.compactMap { try? $0.get() }
        var failures: [String: Int] = [:]
        for case .failure(let error) in results {
            failures[Self.reason(error), default: 0] += 1
        }
        var open = 0
        var closed: [String: Int] = [:]
        for connection in connections {
            let counters = try await connection.onLoop { $0.snapshotState() }
            if counters.open { open += 1 } else { closed[counters.failure ?? "closed", default: 0] += 1 }
        }
        await LoadConnector.closeAll(connections)
        var cpu: Double?
        if let cpu0, let cpu1 { cpu = cpu1 - cpu0 }
        return Result(
            attempted: specs.count, connected: connections.count, open: open,
            failures: failures.sorted { $0.value > $1.value }.map { ($0.key, $0.value) },
            closedAfterwards: closed.sorted { $0.value > $1.value }.map { ($0.key, $0.value) },
            connectSeconds: connectSeconds, brokerCPUMilliseconds: cpu, brokerRSSBefore: rssBefore, brokerRSSAfter: rssAfter)
    }

    /// The reason without the identity's name, so that equal failures group together.
    private static func reason(_ error: any Error) -> String {
        if let failure = error as? LoadConnectionFailure { return failure.reason }
        return "\(error)"
    }
}
