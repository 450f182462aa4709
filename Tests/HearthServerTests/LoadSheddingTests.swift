import Foundation
import HearthCore
import HearthHub
import HearthTesting
import Testing

/// Past its in-flight limit the hub sheds renewals and token requests with 503 and `Retry-After`
/// (problem+json on `/v1`, RFC 6749's `temporarily_unavailable` on `/oauth`) and changes nothing;
/// once the work in flight ends, the same requests are served. The test holds the gate's one place.
@Suite struct LoadSheddingTests {
    /// Holds one place of `gate` until the returned closure is called.
    static func occupy(_ gate: LoadGate) async -> @Sendable () -> Void {
        let (release, releaser) = AsyncStream<Void>.makeStream()
        Task { try? await gate.run { for await _ in release { break } } }
        while gate.inFlight < gate.limit { await Task.yield() }
        return { releaser.finish() }
    }

    @Test func aRenewalPastTheLimitIsShedWithRetryAfter() async throws {
        try await withTestHub(startingAt: DeviceRenewalTests.past, configure: { $0.inFlightLimit = 1 }) { hub in
            let folder = try TemporaryFolder.make(prefix: "shedding")
            defer { try? FileManager.default.removeItem(at: folder) }
            let (lamp, _) = try await DeviceRenewalTests.enroll(hub, token: try await PKITools.token(hub), folder: folder, name: "lamp")
            hub.clock.advance(by: DeviceRenewalTests.intoTheWindow)
            let next = try await lamp.nextKey("next")

            let release = await Self.occupy(hub.shedding.renewals)
            let before = try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords
            let shed = try #require(try await DeviceRenewalTests.mutualTLS(hub, lamp, "POST", "/v1/certificates/renew", csr: next.csr))
            #expect(shed.status == 503 && shed.code == "overloaded", "\(shed.body)")
            #expect((shed.json["detail"] as? String)?.contains("try again in") == true)
            #expect(try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords == before, "a shed renewal changes nothing")
            #expect(hub.shedding.renewals.refusals == 1)
            let headers = try await ProcessRunner.run(PKITools.curl, [
                "-sS", "-o", "/dev/null", "-D", "-", "--cacert", hub.certificatePath, "--cert", lamp.chain, "--key", lamp.key,
                "-H", "Content-Type: application/pkcs10", "--data-binary", "@" + next.csr,
                "https://127.0.0.1:\(hub.port)/v1/certificates/renew",
            ]).standardOutput.lowercased()
            let wait = headers.split(separator: "\r\n").first { $0.hasPrefix("retry-after:") }
                .flatMap { Int($0.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces)) }
            #expect((1...5).contains(wait ?? 0), "\(headers)")

            release()
            while hub.shedding.renewals.inFlight > 0 { await Task.yield() }
            let served = try await DeviceRenewalTests.mutualTLS(hub, lamp, "POST", "/v1/certificates/renew", csr: next.csr)
            _ = try DeviceRenewalTests.renewed(served, lamp, label: "next", key: next.key)
        }
    }

    @Test func aTokenRequestPastTheLimitIsShedAsOAuthSays() async throws {
        try await withTestHub(configure: { $0.inFlightLimit = 1 }) { hub in
            let form = "grant_type=client_credentials&client_id=no-such-client"
            let headers = ["Content-Type": "application/x-www-form-urlencoded"]
            let release = await Self.occupy(hub.shedding.tokens)
            let shed = try await hub.client.request("POST", "/oauth/token", headers: headers, body: Data(form.utf8))
            #expect(shed.status == 503, "\(shed.text)")
            #expect(try shed.json()["error"] as? String == "temporarily_unavailable")
            #expect((1...5).contains(Int(shed.headers["retry-after"] ?? "") ?? 0), "\(shed.headers)")
            release()
            while hub.shedding.tokens.inFlight > 0 { await Task.yield() }
            let served = try await hub.client.request("POST", "/oauth/token", headers: headers, body: Data(form.utf8))
            #expect(served.status == 401, "\(served.text)")
            #expect(try served.json()["error"] as? String == "invalid_client")
        }
    }
}
