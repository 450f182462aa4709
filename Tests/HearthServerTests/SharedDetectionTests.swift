import Foundation
import HearthAudit
import HearthDetection
import HearthHub
import HearthTesting
import Testing

/// Detection's counters are not per process (docs/scale-out.md): two nodes on one PostgreSQL
/// database hand their hub-wide signals to one judging node, so a guesser spreading over both
/// meets one budget, raises one alert, and is refused at connection by both; acknowledged on
/// either node, it is let in again by both. Played with curl from 127.0.0.3.
@Suite struct SharedDetectionTests {
    @Test(.requires(.openssl, .command("curl")))
    func guessesSpreadOverTwoNodesRaiseOneAlertAndAreRefusedByBoth() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await withTestHub(engine: .postgres) { first in
            try await withTestHubNode(joining: first) { second in
                let folder = try TemporaryFolder.make(prefix: "shared-detection")
                defer { try? FileManager.default.removeItem(at: folder) }
                let key = folder.appendingPathComponent("stranger.key").path
                let stranger = folder.appendingPathComponent("stranger.pem").path
                let made = try await ProcessRunner.run("/usr/bin/openssl", [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-keyout", key, "-out", stranger, "-subj", "/CN=stranger", "-addext", "extendedKeyUsage=clientAuth",
                ])
                try #require(made.status == 0, "\(made.standardError)")
                func curl(_ node: TestHub, from address: String, offering certificate: Bool = false) async throws -> ProcessRunner.Result {
                    try await ProcessRunner.run("/usr/bin/curl", [
                        "-sS", "--max-time", "10", "--interface", address, "--cacert", node.certificatePath,
                    ] + (certificate ? ["--cert", stranger, "--key", key] : [])
                        + ["https://127.0.0.1:\(node.port)/healthz"])
                }

                // A certificate of no CA of the hub's, offered to each node in turn: five refusals
                // on each, the per-source threshold (10) only together.
                let threshold = try #require(first.configuration.detection?.bruteForce.perSource)
                for index in 0..<threshold {
                    let refused = try await curl(index.isMultiple(of: 2) ? first : second, from: "127.0.0.3", offering: true)
                    #expect(refused.status != 0, "a stranger's certificate was accepted: \(refused.standardOutput)")
                }
                // Refused, not timed out (curl's 28): closed before TLS. (Generous: under the whole
                // suite's load a round of each node comes late.)
                let lastGuess = ContinuousClock.now
                try await eventually("both nodes refuse the guesser at connection", within: .seconds(30), every: .milliseconds(20)) {
                    for node in [first, second] where [0, 28].contains(try await curl(node, from: "127.0.0.3").status) { return false }
                    return true
                }
                print("SharedDetectionTests: both nodes refused the guesser \(ContinuousClock.now - lastGuess) after its last guess")
                let service = AlertService(store: first.store)
                let raised = try await service.list(household: nil).filter { $0.suspect == "source:127.0.0.3" }
                #expect(raised.count == 1 && raised.first?.kind == .bruteForce, "\(raised)")
                for node in [first, second] {
                    #expect(try await curl(node, from: "127.0.0.1").status == 0, "the hub's own address is never blocked")
                }

                // Acknowledged through the second node's store: both let the address in again.
                _ = try await AlertService(store: second.store).acknowledge(try #require(raised.first).id, household: nil, actor: .system("test"))
                try await eventually("both nodes lift the block", within: .seconds(30)) {
                    for node in [first, second] where try await curl(node, from: "127.0.0.3").status != 0 { return false }
                    return true
                }
            }
        }
    }
}
