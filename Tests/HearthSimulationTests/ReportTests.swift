import Foundation
@testable import HearthSimulation
import Testing

/// The report: losses counted from what the hub acknowledged and the monitor received, the
/// scenario's expectations judged, and a page that carries everything in itself.
@Suite struct ReportTests {
    @Test func theLedgerCountsLostAndDuplicatedMessagesPerQoS() {
        var ledger = TelemetryLedger()
        for sequence in 1...5 { ledger.acknowledged(device: 1, sequence: sequence, qos: 1) }
        for sequence in [1, 2, 3, 3, 5] { ledger.received(device: 1, sequence: sequence, qos: 1) }
        ledger.acknowledged(device: 2, sequence: 1, qos: 0)
        // Routed, but its PUBACK lost in a restart: received, never acknowledged — not a loss.
        ledger.received(device: 1, sequence: 6, qos: 1)
        let summary = ledger.summary()
        #expect(summary[1]?.acknowledged == 5 && summary[1]?.received == 5 && summary[1]?.lost == 1 && summary[1]?.duplicated == 1)
        #expect(summary[0]?.acknowledged == 1 && summary[0]?.lost == 1)
        #expect(ledger.unacknowledgedReceived == 1)
    }

    /// `renewing`: devices between the sessions around their own renewal in the last sample.
    static func report(connected: [Int], renewing: Int = 0, renewalFailures: Int = 0, lost: Int = 0) -> SimulationReport {
        var scenario = try! Scenario.parse(Data(ScenarioTests.valid.utf8))
        scenario.expect.failedRenewals = 0
        scenario.expect.lostQoS1 = 0
        scenario.expect.reconnectWithin = 5
        scenario.expect.connectedAtEnd = 1
        let samples = connected.enumerated().map { index, count in
            Sample(t: Double(index * 10), connected: count, renewing: index == connected.count - 1 ? renewing : 0, operations: [
                "publish": .init(succeeded: 3, failures: [:], p50: 4, p99: 9),
                "renewal": .init(succeeded: 1, failures: index == 1 ? ["overloaded": 2] : [:], p50: 20, p99: 80),
            ], hubCPUPercent: 12, hubRSSKiB: 50_000, alerts: 0)
        }
        var report = SimulationReport(
            scenario: scenario, startedAt: "2026-12-05T00:00:00Z", machine: "test", setupDevices: 2, setupSeconds: 1,
            samples: samples, marks: [.init(t: 10, label: "partition <&>")],
            // Tries cut off by the partition are counted apart: they do not fail the scenario.
            operations: ["renewal": .init(
                succeeded: 7, failed: renewalFailures + 3,
                failures: ["partitioned": 3].merging(renewalFailures > 0 ? ["tls-failed": renewalFailures] : [:]) { $1 })],
            telemetry: [.init(qos: 1, acknowledged: 30, received: 30 - lost, lost: lost, duplicated: 0)],
            recoveries: [.init(event: "partition", at: 15, seconds: 5)], faultMethod: "test", expectations: [])
        report.expectations = SimulationReport.judge(scenario.expect, report: report, devices: 2)
        return report
    }

    @Test func expectationsAreJudgedFromTheRun() {
        let good = Self.report(connected: [2, 1, 2, 2, 2, 2, 2])
        #expect(good.passed, "\(good.expectations)")
        #expect(good.expectations.map(\.name) == [
            "failed renewals (other than cut off by a partition)", "lost QoS 1 messages", "fleet reconnected after each fault",
            "connected at the end",
        ])
        let bad = Self.report(connected: [2, 1, 2, 2, 2, 2, 1], renewalFailures: 1, lost: 2)
        #expect(!bad.passed)
        #expect(bad.expectations.filter { !$0.passed }.map(\.name) == [
            "failed renewals (other than cut off by a partition)", "lost QoS 1 messages", "connected at the end",
        ])
    }

    /// A device that ended its session to renew is not lost: caught between its two sessions in
    /// the last second, it still counts, and the verdict says so.
    @Test func aDeviceRenewingAtTheEndIsNotLost() throws {
        let renewing = Self.report(connected: [2, 2, 1], renewing: 1)
        let verdict = try #require(renewing.expectations.first { $0.name == "connected at the end" })
        #expect(verdict.passed && verdict.actual == "1 and 1 renewing")
        let lost = Self.report(connected: [2, 2, 1])
        #expect(lost.expectations.first { $0.name == "connected at the end" }?.passed == false)
    }

    @Test func thePageIsSelfContained() throws {
        let html = ReportPage.html(Self.report(connected: [2, 1, 2, 2, 2, 2, 2]))
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("PASSED"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("),
                "no script and nothing fetched")
        let links = html.components(separatedBy: "http").count - 1
        #expect(links == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1, "the only URL is SVG's namespace")
        #expect(html.components(separatedBy: "<svg ").count - 1 == 8, "a chart per measure, alerts included")
        #expect(html.contains("partition &lt;&amp;&gt;"), "labels are escaped")
        #expect(!html.contains("partition <&>"))
    }

    @Test func chartScalesAreRound() {
        #expect(SVGChart.niceCeiling(0.3) == 1)
        #expect(SVGChart.niceCeiling(7) == 10)
        #expect(SVGChart.niceCeiling(10) == 10)
        #expect(SVGChart.niceCeiling(11) == 20)
        #expect(SVGChart.niceCeiling(4_300) == 5_000)
        #expect(SVGChart.niceCeiling(10_001) == 20_000)
    }
}
