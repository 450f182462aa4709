import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// The console's firmware page (docs/firmware.md): an owner sees each device's posture and why,
/// sets and removes a requirement through the form (the same call as the API, audited), and
/// sees the rollouts that reach the household's devices.
@Suite struct ConsoleFirmwareTests {
    typealias Browser = ConsoleTests.Browser

    @Test(arguments: TestEngine.allCases)
    func anOwnerSeesPostureSetsARequirementAndSeesRollouts(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let lamp = try await ConsoleTests.device(hub, name: "hall lamp", zone: "lighting")
            let device = try #require(try await hub.store.read { db in try await db.devices.find(lamp) })
            _ = try await FirmwarePosture(store: hub.store).report(
                try FirmwareReport(model: "lamp-x", version: "1.0", securityVersion: 1), from: device)

            let browser = try Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            let page = try await browser.get("/console/firmware")
            #expect(page.status == 200, "\(page.html.prefix(300))")
            #expect(page.html.contains(#"data-device="\#(lamp)" data-posture="compliant""#), "\(page.html)")
            #expect(page.html.contains("lamp-x 1.0 (security version 1)") && page.html.contains("No requirements"))

            // Without the form's token nothing is set; with it, the lamp is out of posture at once.
            let forged = try await browser.post("/console/firmware/rules", [("scope", "zone"), ("value", "lighting"), ("minimum", "2")])
            #expect(forged.status == 403 || forged.status == 400, "\(forged.status)")
            #expect(try await hub.store.read { db in try await db.posture.rules(household: hub.householdID) }.isEmpty)
            let set = try await browser.post(
                "/console/firmware/rules",
                [("csrf", page.csrf ?? ""), ("scope", "zone"), ("value", "lighting"), ("minimum", "2"), ("restriction", "update-only")])
            #expect(set.status == 303, "\(set.status) \(set.html.prefix(300))")
            let after = try await browser.get("/console/firmware?done=set")
            #expect(after.html.contains(#"data-device="\#(lamp)" data-posture="out-of-posture""#), "\(after.html)")
            #expect(after.html.contains("below 2, the minimum for zone lighting"))
            #expect(after.html.contains(#"data-scope="zone" data-value="lighting""#))
            let audited = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(action: AuditAction.postureRuleSet.name, limit: 10))
            }
            #expect(audited.count == 1 && audited.first?.actor.hasPrefix("person:") == true, "\(audited.map(\.actor))")

            // A rollout reaching the lamp is shown with the household's own count.
            let firmware = FirmwareService(store: hub.store, sealer: hub.sealer, imageFolder: hub.configuration.firmwareFolder)
            let maker = TUFSigningKey.generate()
            _ = try await firmware.registerMaker(id: "acme", name: "Acme", keys: [maker.publicKey], models: ["lamp-x"], actor: .system("test"))
            let image = SecureRandom.bytes(1000)
            _ = try await firmware.images.put(image)
            let release = try MakerSigning.release(
                image: image, fileName: "lamp-x-2.0.bin", model: "lamp-x", version: "2.0", securityVersion: 2, notes: "")
            _ = try await firmware.publish(
                maker: "acme", metadata: try MakerSigning.next(previous: nil, adding: [release], expires: Date() + 86_400, keys: [maker]).bytes,
                actor: .system("test"))
            let campaign = try await Rollouts(store: hub.store, broker: nil, connections: nil).start(
                model: "lamp-x", version: "2.0", actor: .system("test"))
            let shown = try await browser.get("/console/firmware")
            #expect(shown.html.contains(#"data-campaign="\#(campaign.id)" data-phase="updating""#), "\(shown.html)")
            #expect(shown.html.contains("lamp-x 2.0") && shown.html.contains("1 offered"), "\(shown.html)")

            // Removed through the form: compliant again.
            let removed = try await browser.post(
                "/console/firmware/rules/remove", [("csrf", shown.csrf ?? ""), ("scope", "zone"), ("value", "lighting")])
            #expect(removed.status == 303)
            let last = try await browser.get("/console/firmware")
            #expect(last.html.contains(#"data-device="\#(lamp)" data-posture="compliant""#), "\(last.html)")
        }
    }
}
