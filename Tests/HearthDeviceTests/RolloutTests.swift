import Foundation
import HearthAudit
import HearthCore
import HearthDevice
import HearthFirmware
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// A staged rollout over 50 virtual devices (docs/firmware.md, "Rollouts"): the devices take the
/// offers the hub makes (`GET /v1/device/update`) and update through TUF; in the second cohort
/// one in five fails on purpose — two never report back, two reconnect in a loop (mosquitto) —
/// so the campaign halts at its gate and rolls that cohort back, touching no other device; a
/// second campaign with healthy devices completes.
@Suite(.requires(.mosquittoClients)) struct RolloutTests {
    struct Fleet {
        let hub: TestHub
        let devices: [String: VirtualDevice]
        let operatorToken: String

        /// The devices the hub offers something to now, with the version.
        func offered() async throws -> [String: (version: String, rollback: Bool)] {
            var offers: [String: (version: String, rollback: Bool)] = [:]
            for (id, device) in devices { if let offer = try await device.offeredUpdate() { offers[id] = offer } }
            return offers
        }

        func campaign(_ id: String) async throws -> [String: Any] {
            let response = try await hub.client.request("GET", "/v1/hub/firmware/campaigns/\(id)", headers: ["Authorization": "Bearer \(operatorToken)"])
            try #require(response.status == 200, "\(response.text)")
            return try response.json()
        }

        /// Waits (the hub ticks every second) until the campaign is in `phase` (and cohort).
        func wait(_ id: String, for phase: String, cohort: Int? = nil) async throws -> [String: Any] {
            var last: [String: Any] = [:]
            // Up to 30 s: a loaded machine (the whole suite at once) may take a while per tick.
            for _ in 0..<300 {
                last = try await campaign(id)
                if last["phase"] as? String == phase, cohort == nil || last["cohort"] as? Int == cohort { return last }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("campaign \(id) is not \(phase) \(cohort.map { "cohort \($0)" } ?? ""): \(last)")
            return last
        }

        func start(_ body: [String: Any]) async throws -> String {
            let response = try await hub.client.json(
                "POST", "/v1/hub/firmware/campaigns", body, headers: ["Authorization": "Bearer \(operatorToken)"])
            try #require(response.status == 201, "\(response.text)")
            return try #require(try response.json()["id"] as? String)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aFailingCohortHaltsAndGoesBackAndAHealthyCampaignCompletes(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let firmware = FirmwareService(store: hub.store, sealer: hub.sealer, imageFolder: hub.configuration.firmwareFolder)
            let maker = TUFSigningKey.generate()
            _ = try await firmware.registerMaker(id: "acme", name: "Acme", keys: [maker.publicKey], models: ["lamp-x"], actor: .system("test"))
            var previous: TargetsRole?
            for version in ["1.0", "1.1", "1.2"] {
                let image = SecureRandom.bytes(4096)
                _ = try await firmware.images.put(image)
                let release = try MakerSigning.release(
                    image: image, fileName: "lamp-x-\(version).bin", model: "lamp-x", version: version, securityVersion: 1, notes: "")
                let signed = try MakerSigning.next(previous: previous, adding: [release], expires: Date() + 86_400, keys: [maker])
                _ = try await firmware.publish(maker: "acme", metadata: signed.bytes, actor: .system("test"))
                previous = try TargetsRole(signed.signed)
            }
            var devices: [String: VirtualDevice] = [:]
            for index in 0..<50 {
                let (device, id) = try await DeviceFixtures.enroll(hub, name: "lamp-\(index)")
                try device.folder.store(firmware: InstalledFirmware(model: "lamp-x", version: "1.0", securityVersion: 1))
                _ = try await device.reportFirmware()
                devices[id] = device
            }
            defer { for device in devices.values { try? FileManager.default.removeItem(at: device.folder.url) } }
            let signIn = try await hub.client.json(
                "POST", "/v1/session", ["email": hub.ownerEmail, "password": hub.ownerPassword, "operator": true])
            let fleet = Fleet(hub: hub, devices: devices, operatorToken: try #require(try signIn.json()["token"] as? String))

            let campaign = try await fleet.start([
                "model": "lamp-x", "version": "1.1", "cohorts": [10, 50, 100], "soak_seconds": 60, "gate_seconds": 300,
                "maximum_reconnects": 3, "failure_threshold": 0.1,
            ])
            // Cohort 1 (10 %): five devices, all healthy.
            let first = try await fleet.offered()
            #expect(first.count == 5 && first.values.allSatisfy { $0.version == "1.1" && !$0.rollback }, "\(first.keys)")
            for id in first.keys { #expect(try await devices[id]!.update(version: "1.1").installed) }
            _ = try await fleet.wait(campaign, for: "soaking", cohort: 1)
            hub.clock.advance(by: 61)
            _ = try await fleet.wait(campaign, for: "updating", cohort: 2)

            // Cohort 2 (50 %): twenty devices; two stay silent, two crash-loop, sixteen update.
            let second = try await fleet.offered().filter { !first.keys.contains($0.key) }
            #expect(second.count == 20, "\(second.count)")
            let ordered = second.keys.sorted()
            let silent = Array(ordered.prefix(2)), looping = Array(ordered.dropFirst(2).prefix(2))
            let healthy = Array(ordered.dropFirst(4))
            for id in healthy { #expect(try await devices[id]!.update(version: "1.1").installed) }
            for id in looping {
                let device = devices[id]!
                let client = MosquittoClient(
                    port: hub.mqttPort, caFile: hub.certificatePath,
                    credential: .certificate(
                        chain: device.folder.chainURL.path, key: device.folder.url.appendingPathComponent(FileKeyStore.currentName).path))
                for attempt in 0..<4 { _ = try await client.publish("devices/\(id)/availability", "boot \(attempt)", qos: 1) }
            }
            hub.clock.advance(by: 301)
            let halted = try await fleet.wait(campaign, for: "halted")
            #expect((halted["reason"] as? String ?? "").contains("4 of 20"), "\(halted)")
            #expect(halted["rollback_to"] as? String == "1.0", "what the fleet ran before: \(halted)")

            // The whole second cohort is offered 1.0 back, and takes it; nobody else is offered anything.
            let after = try await fleet.offered()
            #expect(Set(after.keys) == Set(second.keys), "\(after.keys.count) devices offered something")
            #expect(after.values.allSatisfy { $0.version == "1.0" && $0.rollback })
            for id in healthy { #expect(try await devices[id]!.update(version: "1.0").installed) }
            for id in first.keys { #expect(try devices[id]!.folder.firmware()?.version == "1.1") }
            let untouched = devices.keys.filter { !first.keys.contains($0) && !second.keys.contains($0) }
            #expect(untouched.count == 25)
            for id in untouched { #expect(try devices[id]!.folder.firmware()?.version == "1.0") }
            let failed = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(action: AuditAction.campaignDeviceFailed.name, limit: 100))
            }
            let failedDetails = failed.map { $0.details ?? "" }
            for id in silent + looping { #expect(failedDetails.contains { $0.contains(id) }, "\(id) failed: \(failedDetails)") }
            #expect(failed.count == 4, "\(failedDetails)")
            #expect(failed.contains { $0.reason.contains("crash loop") } && failed.contains { $0.reason.contains("did not report") })

            // A second campaign, every device healthy: it completes, and every device runs 1.2.
            let healthyCampaign = try await fleet.start([
                "model": "lamp-x", "version": "1.2", "cohorts": [20, 100], "soak_seconds": 30, "gate_seconds": 300,
            ])
            for cohort in 1...2 {
                _ = try await fleet.wait(healthyCampaign, for: "updating", cohort: cohort)
                for (id, offer) in try await fleet.offered() where offer.version == "1.2" {
                    _ = try await devices[id]!.update(version: "1.2")
                }
                _ = try await fleet.wait(healthyCampaign, for: "soaking", cohort: cohort)
                hub.clock.advance(by: 31)
            }
            let done = try await fleet.wait(healthyCampaign, for: "completed")
            #expect((done["devices"] as? [String: Int]) == ["updated": 50], "\(done)")
            for device in devices.values { #expect(try device.folder.firmware()?.version == "1.2") }
        }
    }
}
