import Prometheus
import Synchronization

/// Prometheus counters fed from totals the application layer keeps: counters only go up by
/// increments, so each scrape adds what a total grew by since the last.
final class CounterTotals: Sendable {
    private let reported = Mutex<[String: Int64]>([:])

    func advance(_ counter: Counter, key: String, to total: Int64) {
        let delta = reported.withLock { reported -> Int64 in
            let delta = total - (reported[key] ?? 0)
            if delta > 0 { reported[key] = total }
            return delta
        }
        if delta > 0 { counter.increment(by: delta) }
    }
}
