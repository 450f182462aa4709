import Foundation
import HearthTesting
import Testing

/// Refused TLS handshakes are signals: a client certificate that is not the hub's counts as a
/// refused credential (brute force), any other TLS failure is counted; both are Prometheus series
/// on `/metrics` (`hearth_tls_handshake_refusals_total{reason}`). Played with curl and openssl.
@Suite struct HandshakeRefusalTests {
    @Test(.requires(.openssl, .command("curl")))
    func refusedHandshakesAreCountedByReason() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "handshake")
            defer { try? FileManager.default.removeItem(at: folder) }
            let key = folder.appendingPathComponent("stranger.key").path
            let certificate = folder.appendingPathComponent("stranger.pem").path
            let made = try await ProcessRunner.run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-keyout", key, "-out", certificate, "-subj", "/CN=stranger", "-addext", "extendedKeyUsage=clientAuth",
            ])
            try #require(made.status == 0, "\(made.standardError)")
            // A certificate of no CA of the hub's, twice; then plain HTTP to the TLS port.
            for _ in 0..<2 {
                let refused = try await ProcessRunner.run("/usr/bin/curl", [
                    "-sS", "--cacert", hub.certificatePath, "--cert", certificate, "--key", key, "https://127.0.0.1:\(hub.port)/healthz",
                ])
                #expect(refused.status != 0, "a stranger's certificate was accepted: \(refused.standardOutput)")
            }
            let plain = try await ProcessRunner.run("/usr/bin/curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(hub.port)/healthz"])
            #expect(plain.status != 0)

            var samples: [PrometheusText.Sample] = []
            func value(_ name: String, _ label: String, _ text: String) -> Double {
                samples.first { $0.name == name && $0.labels[label] == text }?.value ?? 0
            }
            try await eventually("the refusals are on /metrics") {
                samples = try PrometheusText.parse(try await hub.client.request("GET", "/metrics").text)
                return value("hearth_tls_handshake_refusals_total", "reason", "client-certificate") >= 2
                    && value("hearth_tls_handshake_refusals_total", "reason", "tls-error") >= 1
            }
            #expect(value("hearth_authentication_failures_total", "kind", "client-certificate") >= 2)
            // Good handshakes are not refusals: curl's own requests to /metrics added none.
            #expect(value("hearth_tls_handshake_refusals_total", "reason", "client-certificate") == 2)
        }
    }
}
