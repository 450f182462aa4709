import Foundation
import HearthTesting
import Testing

/// The household console in a real browser: scripts/test-tools/console_browser.py drives Debian's
/// headless Chromium with Selenium against a `hearth serve` of its own (free ports of 127.0.0.1, a
/// fresh data folder), a virtual device (`hearth device pair`) and `mosquitto_sub` as that device.
///
/// It signs the owner in with a second factor, pairs the device in code mode from the pairing
/// page (the request and the connection appear without a reload), revokes it (the broker cuts
/// `mosquitto_sub` off), checks that a change made before a page's event stream starts still
/// reaches it, that forms from another site and framing by it are refused, that the browser
/// verifies an audit entry and rejects an altered proof, and that a member sees no owner pages
/// and is refused an owner's action (403) even with their own valid CSRF token. It saves a
/// desktop and a phone screenshot of each page in `.build/console-screenshots` (docs/console/
/// holds a copy). The script names the first check that failed; its output is the failure's text.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("scripts/test-tools/console_browser.py").path
    static let screenshots = root.appendingPathComponent(".build/console-screenshots").path

    @Test(.requires(.chromium, .pythonModule("selenium"), .mosquittoClients), .timeLimit(.minutes(5)))
    func theConsoleWorksInHeadlessChromium() async throws {
        // The hub's data and log, the device's state, mosquitto_sub's and chromedriver's output:
        // removed after a passing run, kept (and named in the failure) otherwise.
        let work = try TemporaryFolder.make(prefix: "console-browser")
        // The script takes about 40 s; `timeout` ends it (SIGTERM, which it unwinds on, stopping
        // the hub and the browser) if it hangs, and kills it 15 s later if that did not work.
        let result = try await ProcessRunner.run(
            "/usr/bin/timeout",
            [
                "--kill-after=15", "240", "/usr/bin/env", "python3", Self.script,
                "--hearth", HearthProcess.binaryPath, "--work", work.path, "--screenshots", Self.screenshots,
            ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)\nlogs: \(work.path)")
        if result.status == 0 {
            #expect(result.standardOutput.contains("every console check passed"), "\(result.standardOutput)")
            try? FileManager.default.removeItem(at: work)
        }
    }
}
