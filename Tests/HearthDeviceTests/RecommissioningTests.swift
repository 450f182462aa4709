import Foundation
import HearthAudit
import HearthCore
import HearthDevice
import HearthHub
import HearthPairing
import HearthStore
import HearthTesting
import SwiftASN1
import Synchronization
import Testing

/// Re-commissioning in every pairing mode (docs/pairing.md): a device pairs, its identity is
/// decommissioned, the device is reset and pairs again — as a new identity. While the old identity
/// is in service, a device known by its setup secret or attested serial is refused a second one.
@Suite struct RecommissioningTests {
    /// An hour back, so certificates the hub dates by its clock are valid for TLS in real time
    /// even after the code-mode polls move the hub's clock forward.
    static let start = Date().addingTimeInterval(-3600)

    struct Owner {
        let hub: TestHub
        let token: String
        var url: URL { URL(string: "https://127.0.0.1:\(hub.port)")! }

        init(_ hub: TestHub) async throws {
            self.hub = hub
            token = try await DeviceFixtures.token(hub)
        }

        func post(_ path: String, _ body: [String: Any] = [:]) async throws -> CurlClient.Response {
            try await hub.client.json("POST", path, body, headers: ["Authorization": "Bearer \(token)"])
        }

        func device(_ id: String) async throws -> Device? {
            try await hub.store.read { db in try await db.devices.find(DeviceID(id)!) }
        }

        func decommission(_ id: String) async throws {
            let response = try await post("/v1/devices/\(id)/decommission")
            try #require(response.status == 200, "decommission: \(response.text)")
            #expect(try await device(id)?.state == .decommissioned)
        }
    }

    /// A device in a new folder whose waits move the hub's clock instead of the test's, so code-mode
    /// polls are never too early for the hub and take no real time.
    static func virtualDevice(_ hub: TestHub, _ folder: URL) -> VirtualDevice {
        VirtualDevice(stateFolder: folder, backoff: Backoff(maximumAttempts: 2), sleep: { duration in
            hub.clock.advance(by: TimeInterval(duration.components.seconds))
            try await Task.sleep(for: .milliseconds(20))
        })
    }

    /// The problem a pairing ended with (it must fail).
    static func refusal(_ pairing: () async throws -> DevicePairingOutcome) async throws -> HubProblem {
        do {
            let outcome = try await pairing()
            Issue.record("paired as \(outcome.deviceID), but it should have been refused")
            return HubProblem(status: 0, code: "paired", detail: "")
        } catch let problem as HubProblem {
            return problem
        }
    }

    // MARK: setup secret

    @Test(arguments: TestEngine.allCases)
    func aDeviceWithASetupSecretPairsAgainAfterItsDecommission(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: Self.start) { hub in
            let owner = try await Owner(hub)
            let folder = try TemporaryFolder.make(prefix: "recommission-secret")
            defer { try? FileManager.default.removeItem(at: folder) }
            let device = Self.virtualDevice(hub, folder)
            let secret = SetupSecret.generate()
            let expect = { try await owner.post("/v1/pairing/expected", ["secret": secret.text, "zone": "security", "name": "Lock"]) }
            #expect(try await expect().status == 201)
            let first = try await device.pairWithSecret(hub: owner.url, secret: secret)

            // While the identity is in service, the secret expects no second device …
            let early = try await expect()
            #expect(early.status == 409 && early.text.contains("decommission"), "\(early.text)")
            // … and the used expectation lets none pair.
            try device.reset()
            let refused = try await Self.refusal { try await device.pairWithSecret(hub: owner.url, secret: secret) }
            #expect(refused.code == "pairing-proof-invalid", "\(refused)")

            try await owner.decommission(first.deviceID)
            let again = try await expect()
            #expect(again.status == 201, "the secret expects the device again: \(again.text)")
            let second = try await device.pairWithSecret(hub: owner.url, secret: secret)
            #expect(second.deviceID != first.deviceID, "a new identity")
            let renewed = try await owner.device(second.deviceID)
            #expect(renewed?.state == .active && renewed?.zone.name == "security" && renewed?.name == "Lock")
            #expect(try await owner.device(first.deviceID)?.state == .decommissioned, "the old identity never returns")
        }
    }

    // MARK: zero-touch

    @Test(arguments: TestEngine.allCases)
    func anAttestedDevicePairsAgainAfterItsDecommissionByRuleOrWindow(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: Self.start) { hub in
            let owner = try await Owner(hub)
            let folder = try TemporaryFolder.make(prefix: "recommission-attest")
            defer { try? FileManager.default.removeItem(at: folder) }
            let maker = try VirtualManufacturer.open(folder.appendingPathComponent("maker"))
            let state = folder.appendingPathComponent("camera")
            try maker.attest(serial: "RC-0001").store(in: state)
            let pairing = PairingService(
                pki: hub.pki, throttle: FailureThrottle(store: hub.store, namespace: "pairing-code", freeFailures: 50), isServedKey: { _ in false })
            _ = try await pairing.addManufacturerRoot(
                pem: maker.certificate.serializeAsPEM().pemString, name: "Maker", actor: .system("test"))
            let device = Self.virtualDevice(hub, state)
            let pair = { try await device.pairWithAttestation(hub: owner.url, attestation: try DeviceAttestation.load(from: state)) }
            let expect = { (zone: String) in
                try await owner.post("/v1/pairing/expected", ["serial": "RC-0001", "zone": zone, "name": "Camera"])
            }

            // An enrollment rule places it.
            #expect(try await expect("climate").status == 201)
            let first = try await pair()
            #expect(try await owner.device(first.deviceID)?.zone == .climate)

            // In service: the serial is not expected again, and the open window does not admit a twin.
            #expect(try await expect("lighting").status == 409)
            #expect(try await owner.post("/v1/pairing/window", ["minutes": 30]).status == 200)
            try device.reset()
            let twin = try await Self.refusal(pair)
            #expect(twin.status == 409 && twin.code == "device-in-service", "\(twin)")

            // Decommissioned: the open window admits it again, as a new identity waiting in quarantine.
            try await owner.decommission(first.deviceID)
            let second = try await pair()
            #expect(second.deviceID != first.deviceID)
            let waiting = try await owner.device(second.deviceID)
            #expect(waiting?.state == .pending && waiting?.zone == .quarantine)

            // The serial is bound to the new identity now: no twin of it either.
            #expect(try await expect("lighting").status == 409)
            try device.reset()
            #expect(try await Self.refusal(pair).code == "device-in-service")

            // Decommissioned again, an enrollment rule for the same serial works again.
            try await owner.decommission(second.deviceID)
            #expect(try await hub.client.request("DELETE", "/v1/pairing/window", headers: ["Authorization": "Bearer \(owner.token)"]).status < 300)
            let rule = try await expect("lighting")
            #expect(rule.status == 201, "\(rule.text)")
            let third = try await pair()
            #expect(Set([first.deviceID, second.deviceID, third.deviceID]).count == 3)
            let placed = try await owner.device(third.deviceID)
            #expect(placed?.state == .active && placed?.zone == .lighting && placed?.name == "Camera")
        }
    }

    // MARK: code

    /// Code mode binds nothing to the device (the owner approves each pairing on the device's own
    /// screen), so it pairs again whenever the owner approves it; after a decommission too.
    @Test(arguments: TestEngine.allCases)
    func aDeviceThatShowsACodePairsAgainAfterItsDecommission(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: Self.start) { hub in
            let owner = try await Owner(hub)
            let folder = try TemporaryFolder.make(prefix: "recommission-code")
            defer { try? FileManager.default.removeItem(at: folder) }
            let device = Self.virtualDevice(hub, folder)
            #expect(try await owner.post("/v1/pairing/window", ["minutes": 60]).status == 200)

            let first = try await Self.pairByCode(device, owner: owner, zone: "lighting")
            try await owner.decommission(first.deviceID)
            try device.reset()
            let second = try await Self.pairByCode(device, owner: owner, zone: "climate")
            #expect(second.deviceID != first.deviceID)
            #expect(try await owner.device(second.deviceID)?.zone == .climate)
        }
    }

    /// Pairs `device` by code, approving what it shows once the hub has its revealed nonce.
    static func pairByCode(_ device: VirtualDevice, owner: Owner, zone: String) async throws -> DevicePairingOutcome {
        let shown = Shown()
        let url = owner.url
        let pairing = Task { try await device.pairWithCode(hub: url) { code, verify in shown.set(code, verify) } }
        for _ in 0..<300 {
            let revealed = try await owner.hub.store.read { db in try await db.pairing.pendingRequests(at: db.clock.now) }
                .contains { $0.deviceNonce != nil }
            if revealed, shown.value != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let (code, verify) = try #require(shown.value)
        let approved = try await owner.post("/v1/pairing/approve", ["user_code": code, "verify": verify, "zone": zone, "name": "Lamp"])
        #expect(approved.status == 200, "\(approved.text)")
        return try await pairing.value
    }

    /// What the device showed, handed from its pairing task to the test.
    final class Shown: Sendable {
        private let shown = Mutex<(code: String, verify: String)?>(nil)
        var value: (code: String, verify: String)? { shown.withLock { $0 } }
        func set(_ code: String, _ verify: String) { shown.withLock { $0 = (code, verify) } }
    }
}
