import HearthCore
import X509

extension HearthError.Code {
    /// What the hub sent does not hold together: its certificate does not chain to the root it
    /// named, the certificate it issued is not for the device's key, or its proof is wrong.
    public static let hubUntrusted = HearthError.Code("hub-untrusted")
    /// A later request of one pairing reached a server with another TLS key than the first.
    public static let hubKeyChanged = HearthError.Code("hub-key-changed")
}

/// The certificate checks a device makes before it trusts a root or installs a certificate:
/// swift-certificates' `Verifier` with RFC 5280 policy (signatures, validity at the current time,
/// basic constraints, name constraints) from the one root given.
enum TrustCheck {
    /// The hub's TLS certificate as the device saw it chains to `root` through the intermediates
    /// the server presented, is a TLS server certificate and names the hub of the trust domain
    /// the device was certified in.
    static func requireHub(_ presented: CertificateChain, chainsTo root: Certificate, device: Certificate) async throws {
        try await requireChain(presented.leaf, to: root, through: presented.intermediates, what: "the hub's TLS certificate")
        if let usage = try? presented.leaf.extensions.extendedKeyUsage, !usage.contains(.serverAuth) {
            throw HearthError(.hubUntrusted, "the hub's TLS certificate is not a TLS server certificate")
        }
        guard let hub = HubIdentity(deviceCertificate: device), hub.isHub(presented.leaf) else {
            throw HearthError(.hubUntrusted, "the TLS certificate the device saw is not the hub's own")
        }
    }

    /// The chain the hub issued chains to `root` and certifies `key`.
    static func requireIssued(_ issued: CertificateChain, to root: Certificate, for key: DeviceKey) async throws {
        guard issued.leaf.publicKey == key.publicKey else {
            throw HearthError(.hubUntrusted, "the certificate the hub returned is not for this device's key")
        }
        try await requireChain(issued.leaf, to: root, through: issued.intermediates, what: "the certificate the hub issued")
    }

    private static func requireChain(
        _ leaf: Certificate, to root: Certificate, through intermediates: some Sequence<Certificate>, what: String
    ) async throws {
        var verifier = Verifier(rootCertificates: CertificateStore([root])) { RFC5280Policy() }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        guard case .validCertificate = result else {
            throw HearthError(.hubUntrusted, "\(what) does not chain to the hub's root")
        }
    }
}
