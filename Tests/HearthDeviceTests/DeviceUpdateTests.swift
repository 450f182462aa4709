import Foundation
import HearthAudit
import HearthCore
import HearthDevice
import HearthFirmware
import HearthHub
import HearthPairing
import HearthStore
import HearthTesting
import Testing

/// `hearth device update` against a running hub (docs/firmware.md): the virtual device walks the
/// TUF repository, installs the newest release of its model into its state folder and reports it;
/// it never installs one with a lower security version than it runs.
@Suite struct DeviceUpdateTests {
    @Test(arguments: TestEngine.allCases)
    func theVirtualDeviceUpdatesThroughTUFAndReports(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let firmware = FirmwareService(store: hub.store, sealer: hub.sealer, imageFolder: hub.configuration.firmwareFolder)
            let maker = TUFSigningKey.generate()
            _ = try await firmware.registerMaker(id: "acme", name: "Acme", keys: [maker.publicKey], models: ["lamp-x"], actor: .system("test"))
            var previous: TargetsRole?
            var images: [String: [UInt8]] = [:]
            for (version, security) in [("1.0", Int64(1)), ("1.1", 2)] {
                let image = SecureRandom.bytes(20_000)
                images[version] = image
                _ = try await firmware.images.put(image)
                let release = try MakerSigning.release(
                    image: image, fileName: "lamp-x-\(version).bin", model: "lamp-x", version: version, securityVersion: security, notes: "")
                let signed = try MakerSigning.next(previous: previous, adding: [release], expires: Date() + 86_400, keys: [maker])
                _ = try await firmware.publish(maker: "acme", metadata: signed.bytes, actor: .system("test"))
                previous = try TargetsRole(signed.signed)
            }

            let (device, id) = try await DeviceFixtures.enroll(hub, name: "lamp")
            defer { try? FileManager.default.removeItem(at: device.folder.url) }
            try device.folder.store(firmware: InstalledFirmware(model: "lamp-x", version: "1.0", securityVersion: 1))
            let update = try await device.update()
            #expect(update.installed && update.to.version == "1.1" && update.to.securityVersion == 2, "\(update)")
            #expect(update.posture == "compliant")
            let installed = try Data(contentsOf: device.folder.url.appendingPathComponent("firmware/lamp-x-1.1.bin"))
            #expect(Array(installed) == images["1.1"])
            #expect(try device.folder.firmware()?.version == "1.1")
            let report = try await hub.store.read { db in try await db.posture.report(try #require(DeviceID(id))) }
            #expect(report?.version == "1.1" && report?.securityVersion == 2 && report?.source == "report", "\(String(describing: report))")

            // Again: nothing newer. Asked for the older release: refused (a lower security version).
            let again = try await device.update()
            #expect(!again.installed && again.to.version == "1.1")
            let rollback = await #expect(throws: HearthError.self) { try await device.update(version: "1.0") }
            #expect(rollback?.code.rawValue == "rollback-refused", "\(String(describing: rollback))")

            // A new root (a key rotation) is followed from the one kept in the state folder.
            _ = try await firmware.repository.rotate("root", actor: .system("test"))
            _ = try await firmware.repository.rotate("timestamp", actor: .system("test"))
            let afterRotation = try await device.update()
            #expect(!afterRotation.installed)
            let kept = try SignedMetadata(parsing: Array(try Data(contentsOf: device.folder.url.appendingPathComponent("tuf/root.json"))))
            #expect(kept.signed["version"]?.integer == 3, "the device keeps the newest root it trusted")
        }
    }

    /// A device that knows what it runs says so when it pairs; the hub records it with the pairing.
    @Test(arguments: TestEngine.allCases)
    func aDeviceReportsItsFirmwareWhenItPairs(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: RecommissioningTests.start) { hub in
            let owner = try await RecommissioningTests.Owner(hub)
            let folder = try TemporaryFolder.make(prefix: "pairing-firmware")
            defer { try? FileManager.default.removeItem(at: folder) }
            let device = RecommissioningTests.virtualDevice(hub, folder)
            try device.folder.prepare()
            try device.folder.store(firmware: InstalledFirmware(model: "lamp-x", version: "1.0", securityVersion: 1))
            let secret = SetupSecret.generate()
            #expect(try await owner.post("/v1/pairing/expected", ["secret": secret.text, "name": "Lamp"]).status == 201)
            let paired = try await device.pairWithSecret(hub: owner.url, secret: secret)
            let report = try await hub.store.read { db in try await db.posture.report(try #require(DeviceID(paired.deviceID))) }
            #expect(report?.source == "pairing" && report?.version == "1.0" && report?.securityVersion == 1, "\(String(describing: report))")
        }
    }
}
