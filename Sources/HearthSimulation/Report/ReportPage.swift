import Foundation

/// The report as one self-contained HTML page: the verdict table first, then the totals, then a
/// chart per measure over time, every chart inline SVG (no script, no external asset).
enum ReportPage {
    static let operationColors: [(Operation, String)] = [
        (.publish, "#2b6cb0"), (.connect, "#2f855a"), (.renewal, "#c05621"), (.token, "#6b46c1"), (.pairing, "#b7791f"),
    ]

    static func html(_ report: SimulationReport) -> String {
        let escape = SVGChart.escape
        let verdict = report.passed ? "PASSED" : "FAILED"
        var body = """
            <h1>\(escape(report.scenario.name)) — <span class="\(report.passed ? "pass" : "fail")">\(verdict)</span></h1>
            <p>\(escape(report.scenario.description))</p>
            <p class="meta">Started \(escape(report.startedAt)) on \(escape(report.machine)). \
            \(report.setupDevices) devices paired and connected in \(Format.seconds(report.setupSeconds)); \
            played for \(Format.seconds(report.scenario.duration)); faults by \(escape(report.faultMethod)).</p>
            <h2>Expectations</h2>
            <table><tr><th>what</th><th>expected</th><th>actual</th><th></th></tr>

            """
        for expectation in report.expectations {
            body += """
                <tr><td>\(escape(expectation.name))</td><td>\(escape(expectation.expected))</td>\
                <td>\(escape(expectation.actual))</td><td class="\(expectation.passed ? "pass" : "fail")">\
                \(expectation.passed ? "pass" : "FAIL")</td></tr>

                """
        }
        if report.expectations.isEmpty { body += "<tr><td colspan=\"4\">The scenario sets no expectations.</td></tr>\n" }
        body += "</table>\n<h2>Totals</h2>\n<table><tr><th>operation</th><th>succeeded</th><th>failed</th><th>failures by reason</th></tr>\n"
        for (operation, _) in operationColors {
            guard let total = report.operations[operation.rawValue] else { continue }
            let reasons = total.failures.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            body += "<tr><td>\(operation.rawValue)</td><td>\(total.succeeded)</td><td>\(total.failed)</td><td>\(escape(reasons))</td></tr>\n"
        }
        body += "</table>\n<table><tr><th>telemetry</th><th>acknowledged / sent</th><th>received</th><th>lost</th><th>duplicated</th></tr>\n"
        for total in report.telemetry {
            body += "<tr><td>QoS \(total.qos)</td><td>\(total.acknowledged)</td><td>\(total.received)</td><td>\(total.lost)</td><td>\(total.duplicated)</td></tr>\n"
        }
        body += "</table>\n"
        if !report.lostMessages.isEmpty {
            body += "<p>Lost (the first \(report.lostMessages.count)): \(escape(report.lostMessages.joined(separator: "; ")))</p>\n"
        }
        body += "<table><tr><th>recovery</th><th>at</th><th>fleet whole again after</th></tr>\n"
        for recovery in report.recoveries {
            body += "<tr><td>\(escape(recovery.event))</td><td>\(Format.seconds(recovery.at))</td><td>\(recovery.seconds.map(Format.seconds) ?? "never")</td></tr>\n"
        }
        let reconnects = [report.reconnectP50, report.reconnectP99, report.reconnectMax].map { $0.map(Format.seconds) ?? "–" }
        body += """
            </table>
            <p>Reconnect per device: p50 \(reconnects[0]), p99 \(reconnects[1]), max \(reconnects[2]). \
            Hub: peak resident memory \(report.hubPeakRSSKiB.map { "\($0 / 1024) MiB" } ?? "–"), \
            mean CPU \(report.hubMeanCPUPercent.map { String(format: "%.0f %%", $0) } ?? "–") of one core; \
            alerts raised \(report.alerts.map(String.init) ?? "–").</p>
            <h2>Over time</h2>

            """
        body += charts(report).map { $0.svg() }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Hearth simulation: \(escape(report.scenario.name))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 960px; color: #1a202c; }
            table { border-collapse: collapse; margin: 8px 0 16px; }
            th, td { border: 1px solid #cbd5e0; padding: 4px 10px; text-align: left; }
            .pass { color: #276749; font-weight: 600; } .fail { color: #c53030; font-weight: 700; }
            .meta { color: #4a5568; }
            svg.chart { width: 100%; height: auto; margin: 8px 0 20px; }
            svg .title { font-size: 13px; font-weight: 600; fill: #1a202c; }
            svg .tick, svg .legend, svg .marklabel { font-size: 10px; fill: #4a5568; }
            svg .grid { stroke: #e2e8f0; } svg .mark { stroke: #a0aec0; stroke-dasharray: 4 3; }
            </style></head><body>
            \(body)
            </body></html>

            """
    }

    static func charts(_ report: SimulationReport) -> [SVGChart] {
        let samples = report.samples
        func series(_ name: String, _ color: String, _ value: (Sample) -> Double?) -> SVGChart.Series {
            SVGChart.Series(name: name, color: color, points: samples.map { ($0.t, value($0)) })
        }
        let active = operationColors.filter { operation, _ in samples.contains { $0.operations[operation.rawValue] != nil } }
        var charts = [
            SVGChart(title: "Connected devices", unit: "MQTT sessions", series: [
                series("connected", "#2f855a") { Double($0.connected) },
            ]),
            SVGChart(title: "Operations per second", unit: "succeeded", series: active.map { operation, color in
                series(operation.rawValue, color) { Double($0.operations[operation.rawValue]?.succeeded ?? 0) }
            }),
            SVGChart(title: "Failures per second", unit: "by operation", series: active.map { operation, color in
                series(operation.rawValue, color) { Double($0.operations[operation.rawValue]?.failed ?? 0) }
            }),
            SVGChart(title: "Latency p50", unit: "ms", series: active.map { operation, color in
                series(operation.rawValue, color) { $0.operations[operation.rawValue]?.p50 }
            }),
            SVGChart(title: "Latency p99", unit: "ms", series: active.map { operation, color in
                series(operation.rawValue, color) { $0.operations[operation.rawValue]?.p99 }
            }),
            SVGChart(title: "Hub CPU", unit: "% of one core", series: [series("cpu", "#c53030") { $0.hubCPUPercent }]),
            SVGChart(title: "Hub resident memory", unit: "MiB", series: [
                series("rss", "#2b6cb0") { $0.hubRSSKiB.map { Double($0) / 1024 } },
            ]),
        ]
        if samples.contains(where: { $0.alerts != nil }) {
            charts.append(SVGChart(title: "Alerts raised", unit: "total", series: [
                series("alerts", "#c05621") { $0.alerts.map(Double.init) },
            ]))
        }
        for index in charts.indices { charts[index].marks = report.marks }
        return charts
    }
}
