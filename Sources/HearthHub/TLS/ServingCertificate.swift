import Crypto
import HearthCore
import HearthKeys
import HearthPairing
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The certificate and key the HTTPS listener presents, replaceable while it runs: every
/// handshake asks for the current pair (NIOSSL's context callback), so a renewed hub certificate
/// is served from the next connection on, without a restart.
package final class ServingCertificate: Sendable {
    private struct Pair: Sendable {
        package let chain: [NIOSSLCertificate]
        package let key: NIOSSLPrivateKey
        package let pem: String
        /// SHA-256 of the leaf's SubjectPublicKeyInfo: the hub key a pairing device reports.
        package let keyHash: [UInt8]
    }

    // Mutex (a lock, not a lock-free scheme): handshakes read it on event loops, synchronously.
    private let current: Mutex<Pair>
    /// The key served before the last renewal: a device that shook hands just before it may
    /// still report it.
    private let previousKeyHash: Mutex<[UInt8]?> = Mutex(nil)

    package init(_ certificate: HubCertificate) throws {
        current = Mutex(try Self.pair(certificate))
    }

    package var certificatePEM: String { current.withLock { $0.pem } }

    /// Whether `hash` is the key this listener serves (or served until its last renewal).
    package func isServedKey(_ hash: [UInt8]) -> Bool {
        let served = current.withLock { $0.keyHash }
        let previous = previousKeyHash.withLock { $0 }
        return served == hash || previous == hash
    }

    package func replace(with certificate: HubCertificate) throws {
        let pair = try Self.pair(certificate)
        let old = current.withLock { current in
            defer { current = pair }
            return current.keyHash
        }
        previousKeyHash.withLock { $0 = old }
    }

    /// TLS 1.3 for a server presenting the current pair, now and (through the context callback)
    /// at every later handshake.
    package func serverTLSConfiguration() -> TLSConfiguration {
        let pair = current.withLock { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.minimumTLSVersion = .tlsv13
        configuration.sslContextCallback = { _, promise in promise.succeed(self.override()) }
        return configuration
    }

    /// The override NIOSSL applies to one handshake.
    package func override() -> NIOSSLContextConfigurationOverride {
        let pair = current.withLock { $0 }
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = pair.chain.map { .certificate($0) }
        override.privateKey = .privateKey(pair.key)
        return override
    }

    private static func pair(_ certificate: HubCertificate) throws -> Pair {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8))
        guard let leaf = chain.first else { throw NIOSSLError.failedToLoadCertificate }
        return Pair(
            chain: chain,
            key: try NIOSSLPrivateKey(certificate.privateKey),
            pem: certificate.certificatePEM,
            keyHash: try PairingMaterial.keyHash(of: Certificate(derEncoded: try leaf.toDERBytes())))
    }
}
