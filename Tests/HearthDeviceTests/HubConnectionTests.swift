import Foundation
import HearthCore
import HearthDevice
import HearthPairing
import HearthTesting
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import X509

/// The device's HTTPS client against a real hub and against servers that are not the hub.
@Suite struct HubConnectionTests {
    static func url(_ port: Int) throws -> URL { try #require(URL(string: "https://127.0.0.1:\(port)")) }

    static func hubRoot(_ hub: TestHub) throws -> Certificate {
        try CertificateChain(pem: String(contentsOfFile: hub.certificatePath, encoding: .utf8)).leaf
    }

    /// A TCP server on 127.0.0.1 for `body`: TLS with `context` when given, else silent; or, when
    /// `closing`, one that closes every connection at once, unread (a hub's full line does so).
    static func withServer<Result>(
        tls context: NIOSSLContext?, closing: Bool = false, _ body: (Int) async throws -> Result
    ) async throws -> Result {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if closing { channel.eventLoop.execute { channel.close(promise: nil) } }
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let result = try await body(try #require(server.localAddress?.port))
            try await server.close()
            return result
        } catch {
            try? await server.close()
            throw error
        }
    }

    @Test func captureRecordsTheChainTheHubPresents() async throws {
        try await withTestHub { hub in
            let connection = try HubConnection(hub: try Self.url(hub.port), trust: .capture)
            var seenBeforeSending: CertificateChain?
            let response = try await connection.post("/v1/session") { server in
                seenBeforeSending = server
                return Array(#"{"email":"nobody@example.org","password":"wrong"}"#.utf8)
            }
            #expect(response.status == 401)
            #expect(seenBeforeSending == response.serverChain)

            // The same chain openssl sees, and the key hash pairing would send.
            let shown = try await ProcessRunner.run(DeviceFixtures.openssl, [
                "s_client", "-connect", "127.0.0.1:\(hub.port)", "-showcerts",
            ])
            let blocks = DeviceFixtures.pemBlocks(shown.standardOutput)
            try #require(blocks.count == 2, "s_client: \(shown.standardOutput) \(shown.standardError)")
            let openssl = try CertificateChain(pem: blocks.joined())
            #expect(response.serverChain.derEncodings == openssl.derEncodings)
            #expect(try PairingMaterial.keyHash(of: response.serverChain.leaf) == PairingMaterial.keyHash(of: openssl.leaf))
            // …and the hub's leaf chains to its root through the intermediate it presented.
            let folder = try TemporaryFolder.make(prefix: "capture")
            defer { try? FileManager.default.removeItem(at: folder) }
            let leaf = folder.appendingPathComponent("leaf.pem").path
            let intermediate = folder.appendingPathComponent("ca.pem").path
            try blocks[0].write(toFile: leaf, atomically: true, encoding: .utf8)
            try blocks[1].write(toFile: intermediate, atomically: true, encoding: .utf8)
            let verified = try await ProcessRunner.run(DeviceFixtures.openssl, [
                "verify", "-CAfile", hub.certificatePath, "-untrusted", intermediate, leaf,
            ])
            #expect(verified.status == 0, "\(verified.standardOutput) \(verified.standardError)")
        }
    }

    @Test func pinnedAcceptsTheHubAndRefusesAnotherRoot() async throws {
        try await withTestHub { hub in
            let pinned = try HubConnection(hub: try Self.url(hub.port), trust: .pinned(try Self.hubRoot(hub)))
            let health = try await pinned.get("/healthz")
            #expect(health.status == 200)

            // A device certificate is needed for /v1/device: the problem comes back typed.
            let anonymous = try await pinned.get("/v1/device")
            #expect(anonymous.status == 401)
            #expect(anonymous.problem.code == "client-certificate-required")

            let stranger = try HubConnection(hub: try Self.url(hub.port), trust: .pinned(try DeviceFixtures.strangerRoot()))
            let error = try await #require(throws: HubTransportError.self) { try await stranger.get("/healthz") }
            #expect(error.code == .tls)
            #expect(!error.isRetriable)
            // Nothing reached the hub's HTTP layer: the body closure never ran.
            var built = false
            _ = try? await stranger.post("/v1/session") { _ in
                built = true
                return []
            }
            #expect(!built)
        }
    }

    /// A TLS server context presenting `chainPEM` with `key`.
    static func serverContext(_ chainPEM: String, _ key: DeviceKey) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try CertificateChain(pem: chainPEM).derEncodings.map {
                .certificate(try NIOSSLCertificate(bytes: $0, format: .der))
            },
            privateKey: .privateKey(key.tlsKey))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// Pinned mode checks no address for a hub reached by IP. What stands in for it: a device's
    /// certificate under the same root is not a TLS server certificate, and a server certificate
    /// the owner had issued for something else lacks the hub's identity.
    @Test func pinnedAcceptsOnlyTheHubUnderItsRoot() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "impostor")
            defer { try? FileManager.default.removeItem(at: folder) }
            let root = try Self.hubRoot(hub)
            let deviceKey = try FileKeyStore(folder: folder.appendingPathComponent("device")).makePendingKey()
            let (_, devicePEM) = try await DeviceFixtures.issue(hub, csr: try CSRMaker.make(for: deviceKey), name: "impostor")
            let identity = try #require(HubIdentity(deviceCertificate: try CertificateChain(pem: devicePEM).leaf))

            let genuine = try HubConnection(hub: try Self.url(hub.port), trust: .pinned(root, hub: identity))
            #expect(try await genuine.get("/healthz").status == 200)
            #expect(identity.isHub(try await genuine.get("/healthz").serverChain.leaf))

            try await Self.withServer(tls: try Self.serverContext(devicePEM, deviceKey)) { port in
                let pinned = try HubConnection(hub: try Self.url(port), trust: .pinned(root, hub: identity))
                let error = try await #require(throws: HubTransportError.self) { try await pinned.get("/healthz") }
                #expect(error.code == .tls)
                // Capture mode takes any server (pairing's checks decide later); this one speaks no HTTP.
                let capture = try HubConnection(hub: try Self.url(port), trust: .capture, timeout: .seconds(2))
                let captured = try await #require(throws: HubTransportError.self) {
                    try await capture.post("/healthz") { server in
                        #expect(server.leaf.publicKey == deviceKey.publicKey)
                        return []
                    }
                }
                #expect(captured.code == .timedOut)
            }

            let serverKey = try FileKeyStore(folder: folder.appendingPathComponent("nas")).makePendingKey()
            let (_, serverPEM) = try await DeviceFixtures.issue(
                hub, csr: try CSRMaker.make(for: serverKey), name: "nas", profile: "server",
                fields: ["dns_names": ["nas.home.arpa"]])
            try await Self.withServer(tls: try Self.serverContext(serverPEM, serverKey)) { port in
                // Refused at the handshake: a long timeout, so a loaded machine cannot turn it into one.
                let pinned = try HubConnection(hub: try Self.url(port), trust: .pinned(root, hub: identity), timeout: .seconds(30))
                let error = try await #require(throws: HubTransportError.self) { try await pinned.get("/healthz") }
                #expect(error.code == .tls && error.reason.contains("not the hub's"), "\(error)")
                // The chain alone would have let it through (the handshake succeeds; it then stays silent).
                let chainOnly = try HubConnection(hub: try Self.url(port), trust: .pinned(root), timeout: .seconds(2))
                let silent = try await #require(throws: HubTransportError.self) { try await chainOnly.get("/healthz") }
                #expect(silent.code == .timedOut)
            }
        }
    }

    @Test func aSilentServerTimesOutAndNobodyListeningIsUnreachable() async throws {
        let start = ContinuousClock.now
        try await Self.withServer(tls: nil) { port in
            let connection = try HubConnection(hub: try Self.url(port), trust: .capture, timeout: .seconds(1))
            let error = try await #require(throws: HubTransportError.self) { try await connection.get("/healthz") }
            #expect(error.code == .timedOut)
            #expect(error.isRetriable)
        }
        // The timeout ends the wait instead of hanging; generous, since the full suite loads both cores.
        #expect(ContinuousClock.now - start < .seconds(60))

        // A port nobody listens on (bound, then closed).
        let port = try await Self.withServer(tls: nil) { $0 }
        let connection = try HubConnection(hub: try Self.url(port), trust: .capture, timeout: .seconds(2))
        let error = try await #require(throws: HubTransportError.self) { try await connection.get("/healthz") }
        #expect(error.code == .unreachable)
    }

    /// A hub that turns a crowd away closes the connection before its TLS handshake: the device
    /// must read that as the network's trouble, worth a retry, and not as a refusal of its certificate.
    @Test func aConnectionClosedBeforeTheHandshakeIsWorthARetry() async throws {
        try await Self.withServer(tls: nil, closing: true) { port in
            let connection = try HubConnection(hub: try Self.url(port), trust: .capture, timeout: .seconds(30))
            for _ in 0..<5 {
                let error = try await #require(throws: HubTransportError.self) { try await connection.get("/healthz") }
                #expect(error.code == .unreachable && error.isRetriable, "\(error)")
            }
        }
    }

    @Test func onlyHTTPSHubAddressesAreAccepted() {
        for address in ["http://127.0.0.1:8443", "https:///path", "ftp://hub"] {
            #expect(throws: HearthError.self, "\(address)") {
                try HubConnection(hub: try #require(URL(string: address)), trust: .capture)
            }
        }
    }
}
