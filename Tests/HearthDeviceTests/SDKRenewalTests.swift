import Foundation
import HearthAudit
import HearthStore
import HearthCore
import HearthDevice
import HearthTesting
import Testing
import X509

/// Renewal through the SDK against a real hub. The hub's clock starts 17 hours in the past, so
/// advancing it by 16.5 hours opens the renewal window of a 24-hour certificate while the real
/// time — which TLS checks use — keeps every certificate valid.
@Suite struct SDKRenewalTests {
    static let past = Date().addingTimeInterval(-17 * 3600)
    static let intoTheWindow: TimeInterval = 16.5 * 3600

    /// Also with the device's keys in a TPM 2.0 (swtpm): the CSRs and the handshakes are signed there.
    @Test(arguments: [false, true])
    func renewsWithANewKeyAndARefusalChangesNothing(keysInTPM: Bool) async throws {
        if keysInTPM { try await TestRequirement.check([.softwareTPM]) }
        let tpm = keysInTPM ? try await SoftwareTPM() : nil
        defer { tpm?.stop() }
        try await withTestHub(startingAt: Self.past) { hub in
            let sleeps = DeviceFixtures.Sleeps()
            let (device, id) = try await DeviceFixtures.enroll(hub, name: "lamp", sleeps: sleeps, tpm: tpm)
            let folder = device.folder.url
            defer { try? FileManager.default.removeItem(at: folder) }
            let before = DeviceFixtures.files(folder)
            let first = try device.folder.chain()
            let record = try #require(try device.record())

            // Not due by the record, on the device's clock: nothing is asked.
            let early = VirtualDevice(
                stateFolder: folder, keys: device.keys, clock: TestClock(record.renewAfter.addingTimeInterval(-60)))
            let notDue = try await early.renewIfDue()
            #expect(!notDue.renewed)
            #expect(notDue.certificate.serial == first.serial)

            // Forced while the hub says it is too early: refused at once (no retry), nothing changed.
            let refusal = try await #require(throws: HubProblem.self) { try await device.renew() }
            #expect(refusal.status == 403 && refusal.code == "renewal-too-early", "\(refusal)")
            #expect(sleeps.recorded.isEmpty)
            #expect(DeviceFixtures.files(folder) == before)
            let pending = try #require(try device.keys.pendingKey(), "the request's key is kept for the next try")

            hub.clock.advance(by: Self.intoTheWindow)
            let outcome = try await device.renew()
            #expect(outcome.renewed)
            let renewed = try device.folder.chain()
            #expect(renewed.serial == outcome.certificate.serial)
            #expect(renewed.serial != first.serial)
            #expect(renewed.leaf.publicKey == pending.publicKey)
            #expect(renewed.leaf.publicKey != first.leaf.publicKey)
            #expect(try device.keys.currentKey()?.publicKey == pending.publicKey)
            #expect(try device.keys.pendingKey() == nil)
            let stored = try #require(try device.record())
            #expect(stored.deviceID == id)
            #expect(stored.notAfter == renewed.leaf.notValidAfter)
            #expect(stored.renewAfter > renewed.leaf.notValidBefore && stored.renewAfter < renewed.leaf.notValidAfter)
            let hubRoot = try CertificateChain(pem: String(contentsOfFile: hub.certificatePath, encoding: .utf8))
            #expect(try device.folder.root() == hubRoot.leaf)

            // openssl agrees the new chain leads to the hub's root.
            let blocks = DeviceFixtures.pemBlocks(try String(contentsOf: device.folder.chainURL, encoding: .utf8))
            try #require(blocks.count == 2)
            let leaf = folder.appendingPathComponent("check-leaf.pem").path
            let intermediate = folder.appendingPathComponent("check-ca.pem").path
            try blocks[0].write(toFile: leaf, atomically: true, encoding: .utf8)
            try blocks[1].write(toFile: intermediate, atomically: true, encoding: .utf8)
            let verified = try await ProcessRunner.run(DeviceFixtures.openssl, [
                "verify", "-CAfile", hub.certificatePath, "-untrusted", intermediate, leaf,
            ])
            #expect(verified.status == 0, "\(verified.standardOutput) \(verified.standardError)")

            // The new certificate authenticates the device.
            let status = try await device.status()
            #expect(status.id == id)
            #expect(status.state == "active")
            #expect(status.json.contains("\"certificate_status\""))
            #expect(sleeps.recorded.isEmpty)
        }
    }

    /// The hub certified the pending key but the answer never arrived: asking again with the same
    /// key gets that very certificate back, where a new key would be refused as a second renewal.
    @Test func aLostAnswerIsRecoveredWithThePendingKey() async throws {
        try await withTestHub(startingAt: Self.past) { hub in
            let (device, _) = try await DeviceFixtures.enroll(hub, name: "sensor")
            defer { try? FileManager.default.removeItem(at: device.folder.url) }
            hub.clock.advance(by: Self.intoTheWindow)

            let pending = try device.keys.makePendingKey()
            let identity = DeviceTLSIdentity(chain: try device.folder.chain(), key: try #require(try device.keys.currentKey()))
            let connection = try HubConnection(
                hub: try #require(try device.record()).hub, trust: .pinned(try device.folder.root()), identity: identity)
            let lost = try await connection.post("/v1/certificates/renew", json: ["csr": try CSRMaker.make(for: pending).pem])
            #expect(lost.status == 201)
            let issued = try #require(try JSONSerialization.jsonObject(with: Data(lost.body)) as? [String: Any])
            let serial = try #require((issued["certificate"] as? [String: Any])?["serial"] as? String)

            let outcome = try await device.renew()
            #expect(outcome.certificate.serial == serial)
            #expect(try device.keys.currentKey()?.publicKey == pending.publicKey)
            #expect(try await device.status().state == "active")
        }
    }

    @Test func aQuarantinedDeviceIsRefusedAndKeepsItsCertificate() async throws {
        try await withTestHub(startingAt: Self.past) { hub in
            let sleeps = DeviceFixtures.Sleeps()
            let (device, id) = try await DeviceFixtures.enroll(hub, name: "camera", sleeps: sleeps)
            defer { try? FileManager.default.removeItem(at: device.folder.url) }
            hub.clock.advance(by: Self.intoTheWindow)
            let owner = ["Authorization": "Bearer \(try await DeviceFixtures.token(hub))"]
            let quarantined = try await hub.client.json(
                "POST", "/v1/devices/\(id)/quarantine", ["reason": "test"], headers: owner)
            #expect(quarantined.status == 200, "\(quarantined.text)")
            // Due now by its record: the SDK's spread puts the real renewal time anywhere in 16–18 h
            // of the certificate's life, and the real clock is only 17 h past its issue.
            var record = try #require(try device.record())
            record.renewAfter = hub.clock.now
            try device.folder.store(record)
            let before = DeviceFixtures.files(device.folder.url)

            let refusal = try await #require(throws: HubProblem.self) { try await device.renewIfDue() }
            #expect(refusal.code == "device-quarantined")
            #expect(sleeps.recorded.isEmpty)
            #expect(DeviceFixtures.files(device.folder.url) == before)
            #expect(try await device.status().state == "quarantined")
        }
    }
}

/// A device whose clock runs ahead learns the hub's from the certificate a renewal returns (its
/// `notBefore` is the hub's time, back-dated five minutes) and renews by the hub's clock, so it is
/// not refused as too early — what a fleet with skewed clocks and short certificates would hit.
@Suite struct ClockOffsetTests {
    @Test func aDeviceAheadOfTheHubRenewsByTheHubsClock() async throws {
        let start = SDKRenewalTests.past
        try await withTestHub(startingAt: start) { hub in
            let (enrolled, _) = try await DeviceFixtures.enroll(hub, name: "skewed")
            defer { try? FileManager.default.removeItem(at: enrolled.folder.url) }
            let deviceClock = TestClock(start.addingTimeInterval(600))
            let device = VirtualDevice(stateFolder: enrolled.folder.url, backoff: Backoff(maximumAttempts: 1), clock: deviceClock)
            hub.clock.advance(by: SDKRenewalTests.intoTheWindow)
            deviceClock.advance(by: SDKRenewalTests.intoTheWindow)
            _ = try await device.renew()
            let record = try #require(try device.record())
            let offset = try #require(record.clockOffset, "ten minutes apart is learned")
            #expect(abs(offset + 600) < 3, "the hub is ten minutes behind: \(offset)")

            // By its own clock the new certificate is due; by the hub's it is not yet: nothing is asked.
            deviceClock.advance(by: record.renewAfter.timeIntervalSince(deviceClock.now))
            hub.clock.advance(by: record.renewAfter.timeIntervalSince(hub.clock.now) - 600)
            #expect(try await device.renewIfDue().renewed == false)
            let refused = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(action: "certificate.renewal_refused", limit: 10)).count
            }
            #expect(refused == 0, "nothing was asked, so nothing refused")
            // (That it then renews when due by the hub's clock, without a refusal, a fleet of skewed
            // devices shows: FleetRunTests. Here the next certificate would start in the real future.)
        }
    }
}
