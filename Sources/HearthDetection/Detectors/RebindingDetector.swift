import Foundation

/// Requests that named a host other than the hub's were refused already (421); this raises one
/// alert per source address per ``quiet`` so that a page retrying in a loop is one alert. The
/// source is a browser on the LAN that a web page is using, not the attacker: nothing is blocked.
struct RebindingDetector: Sendable {
    static let quiet: TimeInterval = 600
    private var raised: [String: Date] = [:]

    mutating func refused(_ host: String, source: String?, at now: Date) -> [Response] {
        let key = source ?? "unknown"
        if let last = raised[key], now.timeIntervalSince(last) < Self.quiet { return [] }
        raised[key] = now
        return [Response(finding: Finding(
            kind: .dnsRebinding, suspect: .source(key), household: nil, severity: .warning,
            summary: "a request from \(key) named the host \(host), which is not one of the hub's names: a web page may be using a browser on the network to reach the hub (refused)",
            evidence: [Evidence("source", key), Evidence("host", host)],
            at: now), actions: [])]
    }

    mutating func prune(at now: Date) {
        raised = raised.filter { now.timeIntervalSince($0.value) < Self.quiet }
    }
}
