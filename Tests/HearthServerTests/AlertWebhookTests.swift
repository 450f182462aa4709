import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// Alert webhooks (docs/detection.md, "Webhook"): set with the owner's API (and the operator's,
/// hub-wide), each alert event posted as JSON signed with HMAC-SHA256 — checked by a receiver
/// written with Python's own hmac — and retried on the test clock's back-off until the receiver
/// takes it; URLs the hub will not post to are problems; the secret is never kept in clear.
@Suite(.requires(.command("python3"))) struct AlertWebhookTests {
    /// `scripts/test-tools/webhook_receiver.py`, answering 503 to its first `fail` requests.
    struct Receiver {
        let process: HearthProcess
        let workdir: URL
        let port: Int
        let scheme: String

        /// `tls`: the certificate and key it answers HTTPS with.
        static func start(fail: Int, tls: (certificate: String, key: String)? = nil) async throws -> Receiver {
            let workdir = try TemporaryFolder.make(prefix: "webhook")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/webhook_receiver.py").path
            let process = try HearthProcess(
                executable: "/usr/bin/env",
                ["python3", script, workdir.path, "--fail", "\(fail)"] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? []))
            let text = try await process.waitForOutput(timeout: .seconds(30)) { $0.contains("\n") }
            let line = String(text.prefix { $0 != "\n" })
            let port = try #require(Int(line.replacingOccurrences(of: "listening ", with: "")), "receiver said: \(line)")
            return Receiver(process: process, workdir: workdir, port: port, scheme: tls == nil ? "http" : "https")
        }

        var url: String { "\(scheme)://127.0.0.1:\(port)/hearth-alerts" }

        /// Handshakes the hub broke off (it did not trust the certificate).
        var refused: Int {
            ((try? String(contentsOf: workdir.appendingPathComponent("refused"), encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        func trust(_ secret: String) throws {
            try Data(secret.utf8).write(to: workdir.appendingPathComponent("secret"))
        }

        var received: [[String: Any]] {
            let text = (try? String(contentsOf: workdir.appendingPathComponent("received.jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        func waitFor(_ count: Int) async throws -> [[String: Any]] {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let received = self.received
                if received.count >= count { return received }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("the receiver got \(received.count) posts, not \(count)")
            return received
        }

        func stop() {
            try? Data().write(to: workdir.appendingPathComponent("stop"))
            process.signal(SIGTERM)
            try? FileManager.default.removeItem(at: workdir)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func alertsArePostedSignedAndRetriedUntilTheReceiverTakesThem(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        // No background checkpoint signs the sign-in between the two snapshots.
        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .seconds(3600) }) { hub in
            let receiver = try await Receiver.start(fail: 2)
            defer { receiver.stop() }
            let headers = AuditAPITests.bearer(try await AuditAPITests.session(hub).token)

            AuditAPITests.expectProblem(
                try await hub.client.request("GET", "/v1/alerts/webhook", headers: headers), status: 404, code: "not-found", "none set")
            let before = try await DatabaseSnapshot.take(hub.store)
            for url in ["http://192.0.2.1/hook", "ftp://127.0.0.1/", "https://user:pw@example.org/", "no url", "https://"] {
                let refused = try await hub.client.json("PUT", "/v1/alerts/webhook", ["url": url], headers: headers)
                AuditAPITests.expectProblem(refused, status: 422, code: "invalid-input", url)
            }
            AuditAPITests.expectProblem(
                try await hub.client.json("PUT", "/v1/alerts/webhook", ["address": receiver.url], headers: headers),
                status: 422, code: "invalid-body", "no url member")
            let unchanged = try await DatabaseSnapshot.take(hub.store)
            #expect(unchanged == before, "a refused webhook changed \(PKIBadInputTests.changedTables(before, unchanged))")
            #expect(try await hub.client.json("PUT", "/v1/alerts/webhook", ["url": receiver.url]).status == 401)
            AuditAPITests.expectProblem(
                try await hub.client.json("PUT", "/v1/hub/alerts/webhook", ["url": receiver.url], headers: headers), status: 403,
                code: "operator-session-required", "an owner's session at the hub-wide webhook")

            let set = try await hub.client.json("PUT", "/v1/alerts/webhook", ["url": receiver.url], headers: headers)
            #expect(set.status == 200, "\(set.text)")
            let secret = try #require(try set.json()["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count > 40)
            try receiver.trust(secret)

            // A storm alert, raised then escalated, as the detection service records them.
            let service = AlertService(store: hub.store)
            let lamp = DeviceID()
            let steps = AlertAPITests.storm(lamp, household: hub.householdID, at: hub.clock.now)
            let alert = try await service.record(steps[0], actions: steps[0].actions.map(\.summary))
            _ = try await service.record(AlertAPITests.guessing, actions: ["blocked"])  // hub-wide: no webhook set there

            // Refused twice (503): tried again after 5 s, then 10 s, on the hub's clock.
            _ = try await receiver.waitFor(1)
            let pending = try await Self.delivery(hub, headers, where: { ($0["attempts"] as? Int) == 1 })
            #expect(pending["state"] as? String == "pending" && pending["last_status"] as? Int == 503, "\(pending)")
            #expect(pending["last_error"] as? String == "the receiver answered 503")
            hub.clock.advance(by: 6)
            _ = try await receiver.waitFor(2)
            _ = try await Self.delivery(hub, headers, where: { ($0["attempts"] as? Int) == 2 })
            hub.clock.advance(by: 4)
            try await Task.sleep(for: .seconds(2))
            #expect(receiver.received.count == 2, "tried again before its back-off of at least 10 s")
            hub.clock.advance(by: 7.5)
            let posts = try await receiver.waitFor(3)
            let delivered = try await Self.delivery(hub, headers, where: { $0["state"] as? String == "delivered" })
            #expect(delivered["attempts"] as? Int == 3 && delivered["last_status"] as? Int == 204 && delivered["next_at"] is NSNull, "\(delivered)")

            for post in posts {
                #expect(post["valid"] as? Bool == true, "the receiver could not verify \(post)")
                #expect(post["path"] as? String == "/hearth-alerts" && post["content_type"] as? String == "application/json")
                #expect(post["delivery"] as? String == delivered["id"] as? String, "one delivery id on every retry")
                #expect(post["event"] as? String == "alert.raised")
                let body = try #require(post["body"] as? [String: Any])
                #expect(body["id"] as? String == delivered["id"] as? String && body["event"] as? String == "alert.raised")
                let posted = try #require(body["alert"] as? [String: Any])
                #expect(posted["id"] as? String == alert.id && posted["kind"] as? String == "message-storm", "\(posted)")
                #expect(posted["suspect"] as? String == "device:\(lamp)" && posted["household"] as? String == hub.householdID.rawValue)
            }
            #expect(Set(posts.compactMap { $0["signature"] as? String }).count == 3, "each attempt is signed with its own time")

            // The escalation is an event of its own, delivered at once now that the receiver takes them.
            _ = try await service.record(steps[1], actions: steps[1].actions.map(\.summary))
            let after = try await receiver.waitFor(4)
            #expect(after.last?["event"] as? String == "alert.escalated" && after.last?["valid"] as? Bool == true, "\(after.last ?? [:])")
            let hubWide = try await hub.store.read { db in try await db.webhooks.deliveries(scope: "hub", limit: 10) }
            #expect(hubWide.isEmpty, "a hub-wide alert went to the household's webhook")

            // Kept sealed; never in a log; the URL (not the secret) audited.
            #expect(try await DatabaseSnapshot.tables(holding: secret, in: hub.store).isEmpty)
            #expect(!hub.logs.all.contains { $0.contains(secret) })
            let entries = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(householdID: hub.householdID.rawValue, limit: 1000))
            }
            let audited = try #require(entries.first { $0.action == AuditAction.webhookSet.description })
            #expect(audited.details?.contains(receiver.url) == true, "\(audited.details ?? "")")
            #expect(audited.details?.contains(secret) == false)

            #expect(try await hub.client.request("DELETE", "/v1/alerts/webhook", headers: headers).status == 204)
            AuditAPITests.expectProblem(
                try await hub.client.request("DELETE", "/v1/alerts/webhook", headers: headers), status: 404, code: "not-found", "removed twice")
            #expect(try await hub.store.read { db in try await db.audit.entries(AuditQuery(householdID: hub.householdID.rawValue, limit: 1000)) }
                .contains { $0.action == AuditAction.webhookRemoved.description })
        }
    }

    /// A receiver whose certificate comes from a private CA: refused through the system's roots and
    /// through another CA's, reached through its own — given with the webhook, checked then, shown
    /// back by subject and fingerprint. Roots that are not certificates, or for `http://`, are
    /// problems that change nothing.
    @Test(.requires(.openssl), arguments: TestEngine.allCases)
    func aReceiverWithAPrivateCAIsReachedThroughTheRootsGivenForIt(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        let folder = try TemporaryFolder.make(prefix: "webhook-ca")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = try await OpenSSLCA.make("ca", subject: "/CN=Webhook test CA", in: folder)
        let other = try await OpenSSLCA.make("other", subject: "/CN=Another CA", in: folder)
        let server = try await ca.issue("receiver", extensions: OpenSSLCA.serverAt127)
        let caPEM = try String(contentsOfFile: ca.certificatePath, encoding: .utf8)
        let otherPEM = try String(contentsOfFile: other.certificatePath, encoding: .utf8)

        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .seconds(3600) }) { hub in
            let receiver = try await Receiver.start(fail: 0, tls: server)
            defer { receiver.stop() }
            let headers = AuditAPITests.bearer(try await AuditAPITests.session(hub).token)

            let before = try await DatabaseSnapshot.take(hub.store)
            let refusals: [([String: String], String)] = [
                (["url": receiver.url, "trust_roots_pem": "not a certificate"], "not PEM certificates"),
                (["url": receiver.url, "trust_roots_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"], "not a certificate"),
                (["url": receiver.url, "trust_roots_pem": String(repeating: caPEM, count: 17)], "at most 16"),
                (["url": "http://127.0.0.1:\(receiver.port)/", "trust_roots_pem": caPEM], "for an https:// webhook"),
            ]
            for (body, why) in refusals {
                let refused = try await hub.client.json("PUT", "/v1/alerts/webhook", body, headers: headers)
                AuditAPITests.expectProblem(refused, status: 422, code: "invalid-input", why)
                #expect(refused.text.contains(why), "\(refused.text)")
            }
            let unchanged = try await DatabaseSnapshot.take(hub.store)
            #expect(unchanged == before, "refused trust roots changed \(PKIBadInputTests.changedTables(before, unchanged))")

            // Through the system's roots, then another CA's: no handshake completes, the delivery waits.
            let service = AlertService(store: hub.store)
            let steps = AlertAPITests.storm(DeviceID(), household: hub.householdID, at: hub.clock.now)
            var attempts = 0
            for roots in [nil, otherPEM] {
                var body = ["url": receiver.url]
                body["trust_roots_pem"] = roots
                let set = try await hub.client.json("PUT", "/v1/alerts/webhook", body, headers: headers)
                #expect(set.status == 200, "\(set.text)")
                try receiver.trust(try #require(try set.json()["secret"] as? String))
                if attempts == 0 {
                    _ = try await service.record(steps[0], actions: steps[0].actions.map(\.summary))
                } else {
                    hub.clock.advance(by: 60)  // past the back-off
                }
                attempts += 1
                let failed = try await Self.delivery(hub, headers, where: { ($0["attempts"] as? Int) == attempts })
                #expect(failed["state"] as? String == "pending" && failed["last_status"] is NSNull, "\(failed)")
                #expect((failed["last_error"] as? String)?.hasPrefix("no answer") == true, "\(failed)")
            }
            // The receiver's thread records a broken-off handshake after the hub has recorded its failure.
            try await eventually("the receiver saw two handshakes broken off (\(receiver.refused))") { receiver.refused >= 2 }
            #expect(receiver.received.isEmpty)

            // Through its own CA: delivered, signed.
            let set = try await hub.client.json("PUT", "/v1/alerts/webhook", ["url": receiver.url, "trust_roots_pem": caPEM], headers: headers)
            #expect(set.status == 200, "\(set.text)")
            try receiver.trust(try #require(try set.json()["secret"] as? String))
            let roots = try #require(try set.json()["webhook"] as? [String: Any])["trust_roots"] as? [[String: Any]]
            #expect(roots?.count == 1 && roots?.first?["subject"] as? String == "CN=Webhook test CA", "\(roots ?? [])")
            let fingerprint = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", ca.certificatePath, "-noout", "-fingerprint", "-sha256"])
            let expected = fingerprint.standardOutput.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased() }
            #expect(roots?.first?["sha256"] as? String == expected?.trimmingCharacters(in: .whitespacesAndNewlines), "as openssl shows it")
            hub.clock.advance(by: 60)
            let posts = try await receiver.waitFor(1)
            #expect(posts.first?["valid"] as? Bool == true && posts.first?["event"] as? String == "alert.raised", "\(posts)")
            let delivered = try await Self.delivery(hub, headers, where: { $0["state"] as? String == "delivered" })
            #expect(delivered["attempts"] as? Int == 3 && delivered["last_status"] as? Int == 204, "\(delivered)")
            let shown = try await hub.client.request("GET", "/v1/alerts/webhook", headers: headers)
            #expect((try shown.json()["trust_roots"] as? [[String: Any]])?.first?["subject"] as? String == "CN=Webhook test CA")
        }
    }

    /// The newest delivery of the household's webhook once `condition` holds for it.
    static func delivery(
        _ hub: TestHub, _ headers: [String: String], where condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(20)
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            let shown = try await hub.client.request("GET", "/v1/alerts/webhook", headers: headers)
            last = (try shown.json()["deliveries"] as? [[String: Any]])?.last ?? [:]
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the delivery never reached the expected state: \(last)")
        return last
    }

    /// The operator's hub-wide webhook and the CLI's, on a data folder.
    @Test func theCommandLineSetsShowsAndRemovesAWebhook() async throws {
        let workspace = try PKILifecycleTests.Workspace("webhook-cli")
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try await workspace.hearth(["init"])
        let set = try await workspace.hearth(["alerts", "webhook", "set", "https://alerts.example.org/hearth"])
        #expect(set.contains("alerts are posted to https://alerts.example.org/hearth") && set.contains("secret: whsec_"), "\(set)")
        let shown = try await workspace.hearth(["alerts", "webhook", "show"])
        #expect(shown.contains("\"url\" : \"https://alerts.example.org/hearth\"") || shown.contains("\"url\": \"https://alerts.example.org/hearth\""), "\(shown)")
        #expect(!shown.contains("whsec_"), "the secret is shown once only")
        let refused = try await workspace.run(["alerts", "webhook", "set", "http://192.0.2.1/hook", "--hub-wide"])
        #expect(refused.status != 0 && refused.standardError.contains("http:// only to this machine"), "\(refused.standardError)")
        let hubWide = try await workspace.hearth(["alerts", "webhook", "set", "http://127.0.0.1:9/hook", "--hub-wide"])
        #expect(hubWide.contains("alerts are posted to http://127.0.0.1:9/hook"), "\(hubWide)")
        #expect(try await workspace.hearth(["alerts", "webhook", "remove"]).contains("no longer posted"))
        let gone = try await workspace.run(["alerts", "webhook", "show"])
        #expect(gone.status != 0 && gone.standardError.contains("no webhook is set here"), "\(gone.standardError)")
        #expect(try await workspace.hearth(["alerts", "webhook", "show", "--hub-wide"]).contains("127.0.0.1:9"))

        // A receiver with a certificate from a private CA: its root given from a file.
        let ca = try await OpenSSLCA.make("ca", subject: "/CN=Alerts receiver CA", in: workspace.root)
        let trusting = try await workspace.hearth([
            "alerts", "webhook", "set", "https://alerts.home.arpa/hearth", "--trust-roots", ca.certificatePath,
        ])
        #expect(trusting.contains("trusting CN=Alerts receiver CA (SHA-256 "), "\(trusting)")
        #expect(try await workspace.hearth(["alerts", "webhook", "show"]).contains("CN=Alerts receiver CA"))
        let notRoots = try await workspace.run(["alerts", "webhook", "set", "https://alerts.home.arpa/hearth", "--trust-roots", "/etc/hostname"])
        #expect(notRoots.status != 0 && notRoots.standardError.contains("not PEM certificates"), "\(notRoots.standardError)")
    }
}
