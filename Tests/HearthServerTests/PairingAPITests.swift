import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// The hub's pairing endpoints driven by curl (transport) and openssl (keys, CSRs, verification),
/// with the protocol's values computed by HearthPairing as a device would: the code mode's
/// verification value, the setup secret's proofs, and every abuse refused, audited and without
/// any other change.
@Suite struct PairingAPITests {
    /// What a device knows while it pairs.
    struct Candidate {
        let key: String
        let csrPEM: String
        let csrDER: [UInt8]
        let nonce: [UInt8] = PairingNonce.make()
        /// `S`, the secret part of the displayed value.
        let confirmation = CodePairing.makeConfirmation()
        let hubKey: [UInt8]

        var material: PairingMaterial { PairingMaterial(csrHash: PairingMaterial.hash(csrDER), hubKeyHash: hubKey) }

        static func make(_ hub: TestHub, folder: URL, name: String, hubKey: [UInt8]? = nil) async throws -> Candidate {
            let device = try await PKITools.newDevice(folder, name)
            let request = try CertificateSigningRequest(pemEncoded: device.pem)
            var serializer = DER.Serializer()
            try serializer.serialize(request)
            return Candidate(
                key: device.key, csrPEM: device.pem, csrDER: serializer.serializedBytes,
                hubKey: try hubKey ?? PairingAPITests.hubKey(hub))
        }
    }

    static func hubKey(_ hub: TestHub) throws -> [UInt8] {
        let leaf = try #require(PKITools.certificates(in: hub.servedCertificatePEM).first)
        return try PairingMaterial.keyHash(of: Certificate(pemEncoded: leaf))
    }

    static func start(_ hub: TestHub, _ device: Candidate) async throws -> CurlClient.Response {
        try await hub.client.json("POST", "/v1/pairing/code", [
            "csr": device.csrPEM, "commitment": Base64URL.encode(CodePairing.commitment(to: device.nonce)),
            "hub_key": Base64URL.encode(device.hubKey),
        ])
    }

    static func poll(_ hub: TestHub, _ started: [String: Any], nonce: [UInt8]) async throws -> CurlClient.Response {
        try await hub.client.json("POST", "/v1/pairing/code/poll", [
            "request_id": started["request_id"] as? String ?? "", "poll_token": started["poll_token"] as? String ?? "",
            "device_nonce": Base64URL.encode(nonce),
        ])
    }

    static func code(_ response: CurlClient.Response) -> String? { (try? response.json())?["code"] as? String }

    /// What the device displays: `V-S`.
    static func verification(_ device: Candidate, _ started: [String: Any]) -> String {
        let hubNonce = Base64URL.decode(started["hub_nonce"] as? String ?? "") ?? []
        return CodePairing.displayedValue(
            verification: CodePairing.verificationValue(material: device.material, deviceNonce: device.nonce, hubNonce: hubNonce),
            confirmation: device.confirmation)
    }

    static func approve(
        _ hub: TestHub, token: String, code: Any, verify: String, zone: String = "default", name: String = "Lamp"
    ) async throws -> CurlClient.Response {
        try await hub.client.json(
            "POST", "/v1/pairing/approve", ["user_code": code, "verify": verify, "zone": zone, "name": name],
            headers: PKITools.bearer(token))
    }

    static func openWindow(_ hub: TestHub, token: String, minutes: Int = 10) async throws {
        let response = try await hub.client.json("POST", "/v1/pairing/window", ["minutes": minutes], headers: PKITools.bearer(token))
        try #require(response.status == 200, "open: \(response.text)")
    }

    static func audited(_ hub: TestHub, _ action: String) async throws -> [AuditEntry] {
        try await hub.store.read { db in try await db.audit.entries(AuditQuery(action: action, limit: 1000)) }
    }

    @Test(arguments: TestEngine.allCases)
    func codeModePairsOnlyWithTheDevicesVerificationValue(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "pair-code")
            defer { try? FileManager.default.removeItem(at: folder) }
            let token = try await PKITools.token(hub)
            let device = try await Candidate.make(hub, folder: folder, name: "lamp")

            // Closed: refused and audited.
            let closed = try await Self.start(hub, device)
            #expect(closed.status == 403 && Self.code(closed) == "pairing-closed", "\(closed.text)")
            #expect(try await Self.audited(hub, "pairing.refused").count == 1)

            try await Self.openWindow(hub, token: token)
            let response = try await Self.start(hub, device)
            #expect(response.status == 201, "\(response.text)")
            let started = try response.json()
            let userCode = try #require(started["user_code"] as? String)
            #expect(userCode.count == 9 && started["interval"] as? Int == 5 && started["expires_in"] as? Int == 600)

            // An owner faster than the device: the approval waits for the device's first poll,
            // which reveals its nonce, and then approves (issue 18.6: it used to answer 409).
            let verify = Self.verification(device, started)
            async let early = Self.approve(hub, token: token, code: userCode.lowercased(), verify: verify, zone: "lighting")
            try await Task.sleep(for: .seconds(1))
            let pending = try await Self.poll(hub, started, nonce: device.nonce)
            #expect(pending.status == 400 && Self.code(pending) == "authorization-pending", "\(pending.text)")
            let approved = try await early
            #expect(approved.status == 200, "\(approved.text)")
            let deviceID = try #require(try approved.json()["device_id"] as? String)

            // A substituted CSR: the attacker's request with its own key. The value the device
            // shows does not approve it.
            let attacker = try await Candidate.make(hub, folder: folder, name: "attacker")
            let attackerStarted = try await Self.start(hub, attacker).json()
            _ = try await Self.poll(hub, attackerStarted, nonce: attacker.nonce)
            let fast = try await Self.poll(hub, attackerStarted, nonce: attacker.nonce)
            #expect(Self.code(fast) == "slow-down", "\(fast.text)")
            let before = try await DatabaseSnapshot.take(hub.store)
            let substituted = try await Self.approve(
                hub, token: token, code: attackerStarted["user_code"] ?? "", verify: Self.verification(device, started))
            #expect(substituted.status == 422, "\(substituted.text)")
            #expect(try await DatabaseSnapshot.take(hub.store).tables["devices"] == before.tables["devices"])
            #expect(try await DatabaseSnapshot.take(hub.store).tables["certificates"] == before.tables["certificates"])

            // Approved with the right value: the device is in its zone, and collects its chain once.
            try await Task.sleep(for: .seconds(5))
            let collected = try await Self.poll(hub, started, nonce: device.nonce)
            #expect(collected.status == 200, "\(collected.text)")
            let body = try collected.json()
            #expect(body["device_id"] as? String == deviceID)
            #expect(body["root_pem"] as? String == hub.pki.authorities.rootPEM)
            let record = try #require(body["certificate"] as? [String: Any])
            #expect(record["origin"] as? String == "pairing" && record["zone"] as? String == "lighting")
            let chain = try PKITools.write(try #require(body["chain_pem"] as? String), folder, "lamp.chain.pem")
            let blocks = PKITools.certificates(in: try PKITools.read(chain))
            // The hub's proof, keyed by the secret part the owner typed, over what it issued.
            var serializer = DER.Serializer()
            try serializer.serialize(try Certificate(pemEncoded: blocks[0]))
            let expectedProof = CodePairing.hubProof(
                confirmation: device.confirmation, material: device.material, deviceNonce: device.nonce,
                hubNonce: Base64URL.decode(started["hub_nonce"] as? String ?? "") ?? [],
                certificateDER: serializer.serializedBytes, rootDER: hub.pki.authorities.root.record.certificateDER)
            #expect(body["hub_proof"] as? String == Base64URL.encode(expectedProof))
            let leaf = try PKITools.write(blocks[0], folder, "lamp.leaf.pem")
            let intermediate = try PKITools.write(blocks[1], folder, "lamp.ca.pem")
            try await PKITools.ok(["verify", "-CAfile", hub.certificatePath, "-untrusted", intermediate, leaf])
            let again = try await Self.poll(hub, started, nonce: device.nonce)
            #expect(again.status == 401 && Self.code(again) == "invalid-token", "collected once: \(again.text)")

            // Immediate rotation: the pairing certificate renews at once and is revoked as superseded.
            let lamp = DeviceRenewalTests.DeviceFiles(folder: folder, name: "lamp", key: device.key, chain: chain)
            let next = try await lamp.nextKey("rotated")
            let rotated = try await DeviceRenewalTests.mutualTLS(hub, lamp, "POST", "/v1/certificates/renew", csr: next.csr)
            let renewed = try DeviceRenewalTests.renewed(rotated, lamp, label: "rotated", key: next.key)
            #expect(try await DeviceRenewalTests.mutualTLS(hub, lamp, "GET", "/v1/device") == nil, "the pairing certificate is revoked")
            let own = try #require(try await DeviceRenewalTests.mutualTLS(hub, renewed, "GET", "/v1/device"))
            #expect(own.json["id"] as? String == deviceID && own.json["zone"] as? String == "lighting")
            let superseded = try await hub.store.read { db in
                try await db.pki.certificates(CertificateQuery(deviceID: deviceID, status: .revoked, limit: 10))
            }
            #expect(superseded.map(\.revocationReason) == [RevocationReason.superseded.rawValue])
            #expect(try await Self.audited(hub, "pairing.approved").count == 1)
            #expect(try await Self.audited(hub, "pairing.completed").count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func codeModeAbuseIsRefusedAuditedAndChangesNothing(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "pair-abuse")
            defer { try? FileManager.default.removeItem(at: folder) }
            var token = try await PKITools.token(hub)
            try await Self.openWindow(hub, token: token)

            // A request from behind another TLS key (a relay) is refused at once.
            let relayed = try await Candidate.make(hub, folder: folder, name: "relayed", hubKey: Array(repeating: 7, count: 32))
            let relay = try await Self.start(hub, relayed)
            #expect(relay.status == 409 && Self.code(relay) == "hub-key-mismatch", "\(relay.text)")

            // A person of another household cannot approve this household's request.
            let device = try await Candidate.make(hub, folder: folder, name: "dev")
            let started = try await Self.start(hub, device).json()
            _ = try await Self.poll(hub, started, nonce: device.nonce)
            let other = try Household(name: "Next door", createdAt: hub.clock.now)
            try await hub.store.write { db in try await db.households.insert(other) }
            _ = try await hub.addPerson(household: other.id, email: "neighbour@example.org", role: .owner, password: "correct horse battery")
            let neighbour = try await PKITools.token(hub, email: "neighbour@example.org", password: "correct horse battery")
            try await Self.openWindow(hub, token: neighbour)
            let snapshot = try await DatabaseSnapshot.take(hub.store)
            let foreign = try await Self.approve(hub, token: neighbour, code: started["user_code"] ?? "", verify: Self.verification(device, started))
            #expect(foreign.status == 404, "\(foreign.text)")

            // A changed nonce, a wrong token, garbage: refused.
            let changed = try await Self.poll(hub, started, nonce: PairingNonce.make())
            #expect(changed.status == 401, "\(changed.text)")
            var forged = started
            forged["poll_token"] = "hpt_" + Base64URL.encode(SecureRandom.bytes(32))
            let wrongToken = try await Self.poll(hub, forged, nonce: device.nonce)
            #expect(wrongToken.status == 401 && Self.code(wrongToken) == "invalid-token")
            for (body, status) in [
                (["csr": "nope", "commitment": "x", "hub_key": "y"], 422), (["csr": device.csrPEM], 422),
            ] as [([String: Any], Int)] {
                let response = try await hub.client.json("POST", "/v1/pairing/code", body)
                #expect(response.status == status, "\(body): \(response.text)")
            }
            let now = try await DatabaseSnapshot.take(hub.store)
            #expect(now.withoutRefusalRecords.tables.filter { $0.key != "pairing_requests" } == snapshot.withoutRefusalRecords.tables.filter { $0.key != "pairing_requests" })

            // Wrong verification values: 3 end the request; the device is told at its next poll.
            for _ in 0..<3 {
                let wrong = try await Self.approve(hub, token: token, code: started["user_code"] ?? "", verify: "00000-00000")
                #expect(wrong.status == 422, "\(wrong.text)")
            }
            try await Task.sleep(for: .seconds(5))
            let refused = try await Self.poll(hub, started, nonce: device.nonce)
            #expect(refused.status == 403 && Self.code(refused) == "access-denied", "\(refused.text)")

            // Wrong codes again and again: the household is throttled (lockout with back-off).
            var statuses: [Int] = []
            for _ in 0..<8 {
                statuses.append(try await Self.approve(hub, token: token, code: "BCDF-GHJK", verify: "12345-67890").status)
            }
            #expect(statuses.contains(429), "\(statuses)")

            // An expired request: the device is told, approval finds nothing.
            hub.clock.advance(by: 3600)  // the back-off, the window and the session end too
            token = try await PKITools.token(hub)
            try await Self.openWindow(hub, token: token)
            let late = try await Candidate.make(hub, folder: folder, name: "late")
            let lateStarted = try await Self.start(hub, late).json()
            _ = try await Self.poll(hub, lateStarted, nonce: late.nonce)
            hub.clock.advance(by: 601)
            try await Self.openWindow(hub, token: token)
            let expiredApproval = try await Self.approve(hub, token: token, code: lateStarted["user_code"] ?? "", verify: Self.verification(late, lateStarted))
            #expect(expiredApproval.status == 404, "\(expiredApproval.text)")
            let expired = try await Self.poll(hub, lateStarted, nonce: late.nonce)
            #expect(expired.status == 400 && Self.code(expired) == "expired-token", "\(expired.text)")

            // No device was ever created; every refusal is in the log.
            #expect(try await hub.store.read { db in try await db.devices.all(in: hub.householdID) }.isEmpty)
            #expect(try await Self.audited(hub, "pairing.refused").count >= 8)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aSetupSecretPairsOnceWithBothProofs(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "pair-secret")
            defer { try? FileManager.default.removeItem(at: folder) }
            let token = try await PKITools.token(hub)
            let secret = SetupSecret.generate()
            let expected = try await hub.client.json(
                "POST", "/v1/pairing/expected", ["secret": secret.text, "zone": "security", "name": "Door lock"],
                headers: PKITools.bearer(token))
            let expectationID = try expected.json()["expectation_id"] as? String
            #expect(expected.status == 201 && expectationID == secret.id, "\(expected.text)")
            // Only the id and the sealed keys are stored: neither the secret nor its MAC keys in clear.
            let stored = try await DatabaseSnapshot.take(hub.store)
            let dump = stored.tables.values.flatMap { $0 }.joined(separator: "\n")
            #expect(!dump.contains(secret.text) && !dump.contains(secret.macKeys.hexString))

            func pair(_ device: Candidate, proofFrom proofSecret: SetupSecret? = nil, id: String? = nil) async throws -> CurlClient.Response {
                let proofs = try SetupSecretProofs(macKeys: (proofSecret ?? secret).macKeys)
                return try await hub.client.json("POST", "/v1/pairing/secret", [
                    "expectation_id": id ?? secret.id, "csr": device.csrPEM, "device_nonce": Base64URL.encode(device.nonce),
                    "hub_key": Base64URL.encode(device.hubKey),
                    "proof": Base64URL.encode(proofs.deviceProof(id: secret.id, material: device.material, deviceNonce: device.nonce)),
                ])
            }
            let device = try await Candidate.make(hub, folder: folder, name: "lock")
            let before = try await DatabaseSnapshot.take(hub.store)
            // Wrong secret, unknown id, a relay's key (inside the MAC, so it cannot be rewritten): refused alike.
            let wrong = try await pair(device, proofFrom: SetupSecret.generate())
            #expect(wrong.status == 401 && Self.code(wrong) == "pairing-proof-invalid", "\(wrong.text)")
            let unknown = try await pair(device, id: SetupSecret.generate().id)
            #expect(unknown.status == 401 && Self.code(unknown) == "pairing-proof-invalid")
            let relayed = try await Candidate.make(hub, folder: folder, name: "relayed", hubKey: Array(repeating: 9, count: 32))
            let relay = try await pair(relayed)
            #expect(relay.status == 409 && Self.code(relay) == "hub-key-mismatch", "\(relay.text)")
            #expect(try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords == before.withoutRefusalRecords)
            #expect(try await Self.audited(hub, "pairing.refused").count == 3)

            let response = try await pair(device)
            #expect(response.status == 201, "\(response.text)")
            let body = try response.json()
            let chainPEM = try #require(body["chain_pem"] as? String)
            let leafDER = try Certificate(pemEncoded: PKITools.certificates(in: chainPEM)[0])
            var serializer = DER.Serializer()
            try serializer.serialize(leafDER)
            let expectedProof = try SetupSecretProofs(macKeys: secret.macKeys).hubProof(
                id: secret.id, material: device.material, deviceNonce: device.nonce, certificateDER: serializer.serializedBytes,
                rootDER: hub.pki.authorities.root.record.certificateDER)
            #expect(body["hub_proof"] as? String == Base64URL.encode(expectedProof))
            #expect((body["certificate"] as? [String: Any])?["zone"] as? String == "security")

            // Used once: a replay of the same request is refused.
            let replay = try await pair(device)
            #expect(replay.status == 401, "\(replay.text)")
        }
    }
}
