import HearthCore
import NIOCore
import NIOSSL

/// The TLS side of a bridge: one client context per destination, built once.
///
/// The broker is trusted only through the destination's own roots (never the system store) and
/// must be named by its certificate: a DNS host in a dNSName SAN (and sent as SNI), an IP address
/// in an iPAddress SAN. NIOSSL checks the latter against the address actually connected to when
/// no server name is given, since an address may not go in SNI (RFC 6066 §3).
struct BridgeTLS: Sendable {
    let context: NIOSSLContext
    /// The name sent as SNI and checked against the certificate; nil for an IP address.
    let serverHostname: String?

    init(_ destination: BridgeDestination) throws {
        let label = "bridge \(destination.name)"
        let roots = try Self.certificates(destination.trustRootsPEM, label, "the trust roots")
        let chain = try Self.certificates(destination.clientCertificateChainPEM, label, "the client certificate chain")
        // BoringSSL would ask a passphrase callback we do not have; say what is wrong instead.
        guard !destination.clientKeyPEM.contains("ENCRYPTED") else {
            throw HearthError(.invalidInput, "\(label): the client key is encrypted; give it unencrypted (PEM)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(destination.clientKeyPEM.utf8), format: .pem)
        } catch {
            throw HearthError(.invalidInput, "\(label): the client key is not a PEM private key (EC P-256 or RSA)")
        }

        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.trustRoots = .certificates(roots)
        configuration.certificateVerification = .fullVerification
        configuration.certificateChain = chain.map { .certificate($0) }
        configuration.privateKey = .privateKey(key)
        // A close waits this long for the broker's close_notify: an unreachable broker must not hold stop().
        configuration.shutdownTimeout = .seconds(1)
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            // The chain and the key each parsed, so what BoringSSL refuses is the pair.
            throw HearthError(.invalidInput, "\(label): the client key does not belong to the client certificate")
        }
        let isAddress = (try? SocketAddress(ipAddress: destination.host, port: 0)) != nil
        serverHostname = isAddress ? nil : destination.host
    }

    private static func certificates(_ pem: String, _ label: String, _ what: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw HearthError(.invalidInput, "\(label): \(what) cannot be read as PEM certificates")
        }
        guard !certificates.isEmpty else { throw HearthError(.invalidInput, "\(label): no PEM certificate in \(what)") }
        return certificates
    }
}
