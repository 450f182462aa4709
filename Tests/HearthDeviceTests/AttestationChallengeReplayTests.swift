import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthDevice
import HearthHub
import HearthPairing
import HearthTesting
import SwiftASN1
import Testing
import X509

/// Zero-touch challenges are stateless now, and still single-use: the hub accepts only challenges
/// it made, unexpired, and each in one pairing — a replay is refused even with a fresh CSR, signed
/// by the genuine attestation key. A refused attempt stores no challenge.
@Suite struct AttestationChallengeReplayTests {
    struct Attempt {
        let hub: TestHub
        let attestation: DeviceAttestation
        let hubKey: [UInt8]

        func challenge() async throws -> [UInt8] {
            let response = try await hub.client.json("POST", "/v1/pairing/attest/challenge", [:])
            try #require(response.status == 201, "\(response.text)")
            return try PairingNonce.decode(try #require(try response.json()["challenge"] as? String), field: "challenge")
        }

        /// A pairing request with a new key, signed by the attestation key over `challenge`.
        func pair(with challenge: [UInt8]) async throws -> CurlClient.Response {
            let csr = try CSRMaker.make(for: try DeviceKey(P256.Signing.PrivateKey()))
            let material = PairingMaterial(csrHash: csr.hash, hubKeyHash: hubKey)
            return try await hub.client.json("POST", "/v1/pairing/attest", [
                "challenge": Base64URL.encode(challenge), "csr": csr.pem, "hub_key": Base64URL.encode(hubKey),
                "attestation_chain": attestation.chainPEM,
                "signature": Base64URL.encode(try Attestation.sign(challenge: challenge, material: material, key: attestation.key)),
            ])
        }
    }

    static func code(_ response: CurlClient.Response) -> String? { (try? response.json())?["code"] as? String }

    @Test(arguments: TestEngine.allCases)
    func aChallengeCountsOnlyIfTheHubMadeItAndOnlyOnce(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "challenge-replay")
            defer { try? FileManager.default.removeItem(at: folder) }
            let maker = try VirtualManufacturer.open(folder)
            let pairing = PairingService(
                pki: hub.pki, throttle: FailureThrottle(store: hub.store, namespace: "pairing-code", freeFailures: 50), isServedKey: { _ in false })
            _ = try await pairing.addManufacturerRoot(
                pem: maker.certificate.serializeAsPEM().pemString, name: "Maker", actor: .system("test"))
            let token = try await DeviceFixtures.token(hub)
            let window = try await hub.client.json("POST", "/v1/pairing/window", ["minutes": 60], headers: ["Authorization": "Bearer \(token)"])
            try #require(window.status == 200)
            let leaf = try Certificate(pemEncoded: try #require(DeviceFixtures.pemBlocks(hub.servedCertificatePEM).first))
            let attempt = Attempt(
                hub: hub, attestation: try maker.attest(serial: "RP-0001"), hubKey: try PairingMaterial.keyHash(of: leaf))

            // Not made by the hub, or expired: refused, and nothing but the refusal's audit entry is written.
            let before = try await DatabaseSnapshot.take(hub.store)
            let forged = try await attempt.pair(with: SecureRandom.bytes(32))
            #expect(forged.status == 401 && Self.code(forged) == "attestation-invalid", "\(forged.text)")
            let old = try await attempt.challenge()
            hub.clock.advance(by: PairingService.challengeLifetime + 1)
            let expired = try await attempt.pair(with: old)
            #expect(expired.status == 401 && Self.code(expired) == "attestation-invalid", "\(expired.text)")
            #expect(try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords == before.withoutRefusalRecords)

            // A challenge the hub made pairs once; the same challenge again is refused, new CSR or not.
            let challenge = try await attempt.challenge()
            let paired = try await attempt.pair(with: challenge)
            #expect(paired.status == 201, "\(paired.text)")
            let replayed = try await attempt.pair(with: challenge)
            #expect(replayed.status == 401 && Self.code(replayed) == "attestation-invalid", "\(replayed.text)")
            let used = try await DatabaseSnapshot.take(hub.store).tables["attestation_challenges"] ?? []
            #expect(used.count == 1, "only the challenge a pairing used is remembered: \(used)")
        }
    }
}
