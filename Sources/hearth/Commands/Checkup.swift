import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthDetection
import HearthHub

/// `hearth checkup`: the hub's own posture for a household (docs/detection.md, "Checkup"), each
/// finding with its severity and what to do. Read-only; exits 1 when a finding is critical.
struct CheckupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkup",
        abstract: "Check the hub's own posture: expiring CAs, shared keys, owners without a second factor, open alerts, and more.")

    @Flag(name: .long, help: "Print the findings as JSON.")
    var json = false
    @OptionGroup var common: CA.Common

    func run() async throws {
        let findings = try await common.withHub { hub, household in
            try await Checkup(pki: hub.pki, privacy: hub.privacy, lifecycle: hub.lifecycle, connected: nil)
                .run(household: household)
        }
        if json {
            try Devices.printJSON(["findings": findings])
        } else {
            for finding in findings {
                Output.print("\(finding.severity.rawValue)  \(finding.check)  \(finding.subject)\n  \(finding.detail)\n  fix: \(finding.fix)")
            }
            if findings.isEmpty { Output.print("nothing found") }
        }
        if findings.contains(where: { $0.severity == .critical }) { throw ExitCode(1) }
    }
}
