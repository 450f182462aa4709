import Foundation

extension SimulationReport {
    /// Writes `<name>.json` and `<name>.html` into `folder`; returns their paths.
    public func write(to folder: URL) throws -> (json: URL, html: URL) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = folder.appendingPathComponent("\(scenario.name).json")
        let html = folder.appendingPathComponent("\(scenario.name).html")
        try encoder.encode(self).write(to: json, options: .atomic)
        try Data(ReportPage.html(self).utf8).write(to: html, options: .atomic)
        return (json, html)
    }

    /// The verdict table as plain text, for the terminal.
    public var summary: String {
        var lines = ["\(scenario.name): \(passed ? "PASSED" : "FAILED") (\(setupDevices) devices)"]
        for expectation in expectations {
            lines.append("  \(expectation.passed ? "pass" : "FAIL")  \(expectation.name): expected \(expectation.expected), got \(expectation.actual)")
        }
        for (name, total) in operations.sorted(by: { $0.key < $1.key }) {
            let reasons = total.failures.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  \(name): \(total.succeeded) succeeded, \(total.failed) failed\(reasons.isEmpty ? "" : " (\(reasons))")")
        }
        for total in telemetry where total.acknowledged + total.received > 0 {
            lines.append("  telemetry QoS \(total.qos): \(total.acknowledged) acknowledged, \(total.received) received, \(total.lost) lost, \(total.duplicated) duplicated")
        }
        if !lostMessages.isEmpty { lines.append("  lost (first \(lostMessages.count)): " + lostMessages.joined(separator: "; ")) }
        for recovery in recoveries {
            lines.append("  \(recovery.event): whole again after \(recovery.seconds.map(Format.seconds) ?? "never")")
        }
        lines.append("  hub: peak RSS \(hubPeakRSSKiB.map { "\($0 / 1024) MiB" } ?? "–"), mean CPU \(hubMeanCPUPercent.map { String(format: "%.0f%%", $0) } ?? "–") of a core")
        return lines.joined(separator: "\n")
    }
}
