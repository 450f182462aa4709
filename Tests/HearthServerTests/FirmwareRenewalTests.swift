import Foundation
import HearthAudit
import HearthCore
import HearthStore
import HearthTesting
import Testing

/// A device out of posture renews only together with an update (docs/firmware.md): its renewal
/// request must report firmware that is in posture, which the hub records with the renewal.
@Suite struct FirmwareRenewalTests {
    typealias Renewal = DeviceRenewalTests

    /// A renewal as JSON (`{"csr", "firmware"}`) over mutual TLS with curl.
    static func renew(_ hub: TestHub, _ device: Renewal.DeviceFiles, csr: String, firmware: [String: Any]?) async throws -> Renewal.Reply {
        var body: [String: Any] = ["csr": try String(contentsOfFile: csr, encoding: .utf8)]
        if let firmware { body["firmware"] = firmware }
        let file = device.folder.appendingPathComponent("renewal-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: body).write(to: file)
        return try await request(hub, device, "POST", "/v1/certificates/renew", body: file.path)
    }

    static func request(_ hub: TestHub, _ device: Renewal.DeviceFiles, _ method: String, _ path: String, body: String) async throws -> Renewal.Reply {
        let result = try await ProcessRunner.run(PKITools.curl, [
            "-sS", "--max-time", "20", "--cacert", hub.certificatePath, "--cert", device.chain, "--key", device.key, "-X", method,
            "-H", "Content-Type: application/json", "--data-binary", "@" + body, "-w", "\n%{http_code}",
            "https://127.0.0.1:\(hub.port)\(path)",
        ])
        try #require(result.status == 0, "curl: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return Renewal.Reply(status: Int(lines.last ?? "") ?? 0, body: lines.dropLast().joined(separator: "\n"))
    }

    @Test(arguments: TestEngine.allCases)
    func aDeviceOutOfPostureRenewsOnlyWithAnUpdate(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: Renewal.past) { hub in
            let folder = try TemporaryFolder.make(prefix: "firmware-renewal")
            defer { try? FileManager.default.removeItem(at: folder) }
            let owner = try await PKITools.token(hub)
            let (lamp, _) = try await Renewal.enroll(hub, token: owner, folder: folder, name: "lamp")
            let old = folder.appendingPathComponent("old.json")
            try JSONSerialization.data(withJSONObject: ["model": "lamp-x", "version": "1.0", "security_version": 1]).write(to: old)
            let reported = try await Self.request(hub, lamp, "PUT", "/v1/device/firmware", body: old.path)
            #expect(reported.status == 200 && reported.json["posture"] as? String == "compliant", "\(reported.body)")
            let rule = try await hub.client.json(
                "PUT", "/v1/firmware/posture/rules", ["scope": "household", "minimum_security_version": 2, "restriction": "quarantine"],
                headers: PKITools.bearer(owner))
            #expect(rule.status == 200, "\(rule.text)")
            hub.clock.advance(by: Renewal.intoTheWindow)

            // In its window, but out of posture: refused without an update, and with the old firmware.
            let next = try await lamp.nextKey("next")
            let bare = try await Self.renew(hub, lamp, csr: next.csr, firmware: nil)
            #expect(bare.status == 403 && bare.code == "out-of-posture", "\(bare.body)")
            #expect(bare.body.contains("renews only together with an update"), "\(bare.body)")
            let same = try await Self.renew(hub, lamp, csr: next.csr, firmware: ["model": "lamp-x", "version": "1.0", "security_version": 1])
            #expect(same.status == 403 && same.code == "out-of-posture", "\(same.body)")
            // Isolated (the rule quarantines), it may still read its own record.
            let record = try #require(try await Renewal.mutualTLS(hub, lamp, "GET", "/v1/device"))
            #expect(record.status == 200, "\(record.body)")

            // With the update: renewed, and the report recorded with it.
            let updated = try await Self.renew(hub, lamp, csr: next.csr, firmware: ["model": "lamp-x", "version": "1.1", "security_version": 2])
            #expect(updated.status == 201, "\(updated.body)")
            let certificate = try #require(updated.json["certificate"] as? [String: Any], "\(updated.body)")
            let device = try #require(DeviceID(certificate["device"] as? String ?? ""))
            let report = try await hub.store.read { db in try await db.posture.report(device) }
            #expect(report?.securityVersion == 2 && report?.source == "renewal", "\(String(describing: report))")
            #expect(try await OAuthPeopleTests.entries(hub, action: .firmwareReported).count == 2)
        }
    }
}
