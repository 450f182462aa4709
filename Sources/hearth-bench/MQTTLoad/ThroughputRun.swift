import HearthSimulation
import HearthCommandLine
import HearthMQTT
import NIOCore

/// Publishers → broker → subscribers for a warm-up and a measured window, then a drain period in
/// which nothing is published and the last messages and acknowledgements arrive.
struct ThroughputRun {
    let connector: LoadConnector
    let publishers: [LoadConnectionSpec]
    let subscribers: [LoadConnectionSpec]
    /// For each publisher, how many of the run's subscribers its topic reaches.
    let fanOut: [Int]
    let broker: ProcessGauge?
    let warmup: Duration
    let seconds: Double
    let drain: Duration
    let concurrency: Int

    struct Result {
        var publishers: [LoadCounters]
        var subscribers: [LoadCounters]
        /// Deliveries the publishers' messages should have made (published × subscribers reached).
        var expected: UInt64
        var windowSeconds: Double
        var brokerCPUMilliseconds: Double?
        var brokerRSSBefore: Int?
        var brokerRSSConnected: Int?
        var brokerRSSEnd: Int?
        var clientCPUMilliseconds: Double
        var drainSeconds: Double
    }

    func run() async throws -> Result {
        let rssBefore = broker?.residentKiB()
        // Subscribers first, so that every message published finds its subscription in place.
        let subscribed = try await openOrThrow(subscribers)
        let connections: [LoadConnection]
        do {
            connections = subscribed + (try await openOrThrow(publishers))
        } catch {
            await LoadConnector.closeAll(subscribed)
            throw error
        }
        let publishing = Array(connections[subscribed.count...])
        let rssConnected = broker?.residentKiB()

        let start = LoadClock.now() + 20_000_000
        let warmupNanoseconds = UInt64(warmup.components.seconds) * 1_000_000_000 + UInt64(warmup.components.attoseconds / 1_000_000_000)
        let window = LoadWindow(
            start: start, windowStart: start + warmupNanoseconds,
            windowEnd: start + warmupNanoseconds + UInt64(seconds * 1e9))
        for connection in connections { _ = try await connection.onLoop { $0.begin(window) } }

        try await Self.sleep(until: window.windowStart)
        let brokerCPU0 = broker?.cpuMilliseconds()
        let clientCPU0 = OwnProcess.cpuMilliseconds()
        let measured0 = LoadClock.now()
        try await Self.sleep(until: window.windowEnd)
        let brokerCPU1 = broker?.cpuMilliseconds()
        let clientCPU1 = OwnProcess.cpuMilliseconds()
        let measured1 = LoadClock.now()
        let rssEnd = broker?.residentKiB()
        for connection in publishing { _ = try await connection.onLoop { $0.stopPublishing() } }

        let drained = try await drainUntilQuiet(connections)
        var publisherCounters: [LoadCounters] = []
        for connection in publishing { publisherCounters.append(try await connection.onLoop { $0.snapshot() }) }
        var subscriberCounters: [LoadCounters] = []
        for connection in subscribed { subscriberCounters.append(try await connection.onLoop { $0.snapshot() }) }
        await LoadConnector.closeAll(connections)

        let expected = zip(publisherCounters, fanOut).reduce(UInt64(0)) { $0 + $1.0.published * UInt64($1.1) }
        var cpu: Double?
        if let brokerCPU0, let brokerCPU1 { cpu = brokerCPU1 - brokerCPU0 }
        return Result(
            publishers: publisherCounters, subscribers: subscriberCounters, expected: expected,
            windowSeconds: Double(measured1 - measured0) / 1e9, brokerCPUMilliseconds: cpu,
            brokerRSSBefore: rssBefore, brokerRSSConnected: rssConnected, brokerRSSEnd: rssEnd,
            clientCPUMilliseconds: clientCPU1 - clientCPU0, drainSeconds: drained)
    }

    private func openOrThrow(_ specs: [LoadConnectionSpec]) async throws -> [LoadConnection] {
        let results = await connector.openAll(specs, concurrency: concurrency)
        let opened = results.compactMap { try? $0.get() }
        guard opened.count == results.count else {
            await LoadConnector.closeAll(opened)
            let failures = results.compactMap { result -> String? in
                if case .failure(let error) = result { return "\(error)" } else { return nil }
            }
            throw LoadClientError(
                reason: "\(failures.count) of \(specs.count) connections failed; first: \(failures.prefix(3).joined(separator: "; "))")
        }
        return opened
    }

    /// Waits until nothing is in flight and no delivery arrived for half a second (or the drain
    /// time is up); returns how long it took.
    private func drainUntilQuiet(_ connections: [LoadConnection]) async throws -> Double {
        let began = LoadClock.now()
        let deadline = began + UInt64(drain.components.seconds) * 1_000_000_000
        var lastDelivered: UInt64 = .max
        var quietSince = began
        while LoadClock.now() < deadline {
            var delivered: UInt64 = 0
            var inflight = 0
            for connection in connections {
                let (d, i) = try await connection.onLoop { $0.snapshotProgress() }
                delivered += d
                inflight += i
            }
            let now = LoadClock.now()
            if delivered != lastDelivered {
                lastDelivered = delivered
                quietSince = now
            } else if inflight == 0, now - quietSince >= 500_000_000 {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Double(LoadClock.now() - began) / 1e9
    }

    static func sleep(until time: UInt64) async throws {
        let now = LoadClock.now()
        guard time > now else { return }
        try await Task.sleep(for: .nanoseconds(Int64(time - now)))
    }
}
