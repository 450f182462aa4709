import Foundation
import HearthTesting
import Testing

@Suite struct HealthAndMetricsTests {
    @Test(arguments: TestEngine.allCases)
    func healthReadinessAndHeaders(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let health = try await hub.client.request("GET", "/healthz")
            #expect(health.status == 200)
            #expect(try health.json()["status"] as? String == "ok")
            #expect(health.headers["cache-control"] == "no-store")
            #expect(health.headers["x-request-id"]?.isEmpty == false)

            let ready = try await hub.client.request("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(try ready.json()["database"] as? String == engine.rawValue)
        }
    }

    @Test func metricsAreValidPrometheusTextWithRouteAndStatus() async throws {
        try await withTestHub { hub in
            for _ in 0..<3 { _ = try await hub.client.request("GET", "/healthz") }
            _ = try await hub.client.request("GET", "/no/such/route")
            _ = try await hub.client.request("PROPFIND", "/healthz")
            let metrics = try await hub.client.request("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try PrometheusText.parse(metrics.text)
            let healthCount = samples.first {
                $0.name == "hearth_http_requests_total" && $0.labels["route"] == "/healthz" && $0.labels["status"] == "200"
            }
            #expect(healthCount?.value == 3)
            #expect(samples.contains {
                $0.name == "hearth_http_request_duration_seconds_count" && $0.labels["route"] == "/healthz" && $0.value == 3
            })
            #expect(samples.contains { $0.name == "hearth_http_requests_total" && $0.labels["status"] == "404" })
            // Unknown paths share one label value instead of minting one per path.
            #expect(!samples.contains { $0.labels["route"]?.contains("no/such") == true })
            // So do methods outside the standard set.
            #expect(samples.contains { $0.name == "hearth_http_requests_total" && $0.labels["method"] == "other" })
            #expect(!samples.contains { $0.labels["method"] == "PROPFIND" })
        }
    }
}

/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be
/// a comment, a HELP/TYPE line, or a sample `name{label="value",…} number`.
enum PrometheusText {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct FormatError: Error, CustomStringConvertible {
        let line: String
        var description: String { "not Prometheus text: \(line)" }
    }

    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var typed: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, isName(parts[2]),
                      ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]),
                      typed.insert(String(parts[2])).inserted
                else { throw FormatError(line: String(line)) }
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try sample(line))
        }
        return samples
    }

    static func sample(_ line: Substring) throws -> Sample {
        var rest = line
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard isName(name) else { throw FormatError(line: String(line)) }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.hasPrefix("{") {
            guard let close = rest.firstIndex(of: "}") else { throw FormatError(line: String(line)) }
            let body = rest[rest.index(after: rest.startIndex)..<close]
            for pair in body.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, isName(parts[0]), parts[1].hasPrefix("\""), parts[1].hasSuffix("\""), parts[1].count >= 2
                else { throw FormatError(line: String(line)) }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            rest = rest[rest.index(after: close)...]
        }
        guard rest.hasPrefix(" "), let value = Double(rest.dropFirst().split(separator: " ").first ?? "")
            ?? (rest.hasSuffix("+Inf") ? .infinity : nil)
        else { throw FormatError(line: String(line)) }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter || first == "_" || first == ":" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }
}
