import Crypto
import NIOCore
import NIOSSL
import Synchronization

/// The certificate and key the HTTPS listener presents, replaceable while it runs: every
/// handshake asks for the current pair (NIOSSL's context callback), so a renewed hub certificate
/// is served from the next connection on, without a restart.
final class ServingCertificate: Sendable {
    private struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let pem: String
    }

    // Mutex (a lock, not a lock-free scheme): handshakes read it on event loops, synchronously.
    private let current: Mutex<Pair>

    init(_ certificate: HubCertificate) throws {
        current = Mutex(try Self.pair(certificate))
    }

    var certificatePEM: String { current.withLock { $0.pem } }

    func replace(with certificate: HubCertificate) throws {
        let pair = try Self.pair(certificate)
        current.withLock { $0 = pair }
    }

    /// TLS 1.3 for a server presenting the current pair, now and (through the context callback)
    /// at every later handshake.
    func serverTLSConfiguration() -> TLSConfiguration {
        let pair = current.withLock { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.minimumTLSVersion = .tlsv13
        configuration.sslContextCallback = { _, promise in promise.succeed(self.override()) }
        return configuration
    }

    /// The override NIOSSL applies to one handshake.
    func override() -> NIOSSLContextConfigurationOverride {
        let pair = current.withLock { $0 }
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = pair.chain.map { .certificate($0) }
        override.privateKey = .privateKey(pair.key)
        return override
    }

    private static func pair(_ certificate: HubCertificate) throws -> Pair {
        Pair(
            chain: try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8)),
            key: try NIOSSLPrivateKey(bytes: Array(certificate.privateKey.pemRepresentation.utf8), format: .pem),
            pem: certificate.certificatePEM)
    }
}
