import Foundation
import HearthCommandLine

/// The lines a run prints: one figure per line, `mqtt_<label>_<figure>=<value> <unit>  (details)`,
/// then a summary for people.
enum LoadReport {
    static func prefix(_ label: String?) -> String {
        "mqtt_" + (label.map { $0 + "_" } ?? "")
    }

    static func throughput(_ result: ThroughputRun.Result, label: String?, qos: Int, connections: Int) -> [String] {
        let p = prefix(label) + "qos\(qos)_"
        let published = result.publishers.reduce(UInt64(0)) { $0 + $1.publishedInWindow }
        let delivered = result.subscribers.reduce(UInt64(0)) { $0 + $1.deliveredInWindow }
        let totalDelivered = result.subscribers.reduce(UInt64(0)) { $0 + $1.delivered - $1.duplicates - $1.foreign }
        let duplicates = result.subscribers.reduce(UInt64(0)) { $0 + $1.duplicates }
        let foreign = result.subscribers.reduce(UInt64(0)) { $0 + $1.foreign }
        let refused = result.publishers.reduce(UInt64(0)) { $0 + $1.refused }
        var latency = LatencyHistogram()
        for subscriber in result.subscribers { latency.merge(subscriber.latency) }
        let seconds = max(result.windowSeconds, 1e-9)
        let lost = result.expected > totalDelivered ? result.expected - totalDelivered : 0
        func ms(_ microseconds: UInt64) -> String { String(format: "%.3f", Double(microseconds) / 1000) }
        var lines = [
            "\(p)published=\(Int((Double(published) / seconds).rounded())) msgs/s  (\(published) in \(String(format: "%.2f", seconds)) s)",
            "\(p)delivered=\(Int((Double(delivered) / seconds).rounded())) msgs/s  (\(delivered) counted at the subscribers)",
            "\(p)latency_p50=\(ms(latency.percentile(0.5))) ms",
            "\(p)latency_p99=\(ms(latency.percentile(0.99))) ms",
            "\(p)latency_max=\(ms(latency.maximum)) ms",
            "\(p)lost=\(lost) messages  (of \(result.expected) expected deliveries over the whole run, after a drain of "
                + "\(String(format: "%.1f", result.drainSeconds)) s\(qos == 0 ? "; QoS 0 may drop" : ""))",
            "\(p)duplicates=\(duplicates)",
        ]
        if refused > 0 { lines.append("\(p)refused=\(refused) messages  (PUBACK with a failure reason code)") }
        if foreign > 0 { lines.append("\(p)foreign=\(foreign) messages  (deliveries without this run's stamp)") }
        if let cpu = result.brokerCPUMilliseconds {
            let per = delivered > 0 ? String(format: "%.2f", cpu * 1000 / Double(delivered)) : "n/a"
            lines.append("\(p)broker_cpu=\(per) ms per 1000 messages  (broker CPU \(String(format: "%.0f", cpu / 10 / seconds))% of one core over the window, per message delivered)")
        }
        if let end = result.brokerRSSEnd {
            lines.append("\(p)broker_rss=\(end) KiB  (end of the window; \(result.brokerRSSBefore.map(String.init) ?? "?") KiB before connecting)")
        }
        if let before = result.brokerRSSBefore, let connected = result.brokerRSSConnected, connections > 0 {
            lines.append("\(p)broker_rss_per_connection=\(String(format: "%.1f", Double(connected - before) / Double(connections))) KiB  "
                + "((\(connected) - \(before)) / \(connections) connections, right after connecting)")
        }
        lines.append("\(p)client_cpu=\(String(format: "%.0f", result.clientCPUMilliseconds / 10 / seconds))% of one core  (this load tool over the window)")
        let failures = (result.publishers + result.subscribers).compactMap(\.failure)
        if !failures.isEmpty {
            lines.append("\(p)connection_failures=\(failures.count)  (first: \(failures[0]))")
        }
        lines.append(
            "\(p)summary: \(result.publishers.count) publisher(s) -> \(result.subscribers.count) subscriber(s), QoS \(qos): "
                + "\(Int(Double(published) / seconds)) msgs/s published, \(Int(Double(delivered) / seconds)) msgs/s delivered, "
                + "latency p50 \(ms(latency.percentile(0.5))) ms / p99 \(ms(latency.percentile(0.99))) ms / max \(ms(latency.maximum)) ms, "
                + "\(lost) lost, \(duplicates) duplicates")
        return lines
    }

    static func idle(_ result: IdleRun.Result, label: String?, concurrency: Int) -> [String] {
        let p = prefix(label) + "idle_"
        var connections = "\(p)connections=\(result.open) open  (of \(result.attempted) attempted: \(result.connected) accepted, "
            + "\(result.attempted - result.connected) failed"
        if let first = result.failures.first { connections += "; most common failure (\(first.count)x): \(first.reason)" }
        if let closed = result.closedAfterwards.first {
            connections += "; \(result.connected - result.open) closed after being accepted, most often (\(closed.count)x): \(closed.reason)"
        }
        var lines = [
            connections + ")",
            "\(p)connect_rate=\(Int(Double(result.connected) / max(result.connectSeconds, 1e-9))) connections/s  "
                + "(mutual-TLS handshake + CONNECT/CONNACK, \(concurrency) at a time, \(String(format: "%.1f", result.connectSeconds)) s)",
        ]
        if let cpu = result.brokerCPUMilliseconds, result.connected > 0 {
            lines.append("\(p)broker_cpu_per_connection=\(String(format: "%.3f", cpu / Double(result.connected))) ms")
        }
        if let before = result.brokerRSSBefore, let after = result.brokerRSSAfter {
            lines.append("\(p)broker_rss=\(after) KiB  (\(before) KiB before connecting)")
            if result.open > 0 {
                lines.append("\(p)broker_rss_per_connection=\(String(format: "%.1f", Double(after - before) / Double(result.open))) KiB  "
                    + "((\(after) - \(before)) / \(result.open) open connections)")
            }
        }
        return lines
    }
}
