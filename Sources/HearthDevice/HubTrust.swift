import X509

/// How the device decides whether the server it reached is its hub.
public struct HubTrust: Sendable {
    enum Mode: Sendable {
        case capture
        case pinned(Certificate, HubIdentity?)
    }

    let mode: Mode

    /// Accepts any server certificate and records the chain presented. Only for pairing: the
    /// device has no root yet, and the pairing proofs — which bind the key of the certificate it
    /// saw — decide afterwards whether that server was the hub.
    public static let capture = HubTrust(mode: .capture)

    /// Accepts only a server whose certificate chains to `root`, the hub root pinned at pairing,
    /// and, when `hub` is given, names the hub (see ``HubIdentity``); the device derives it from
    /// its own certificate.
    public static func pinned(_ root: Certificate, hub: HubIdentity? = nil) -> HubTrust {
        HubTrust(mode: .pinned(root, hub))
    }
}

/// The device's own chain and key, presented for mutual TLS.
public struct DeviceTLSIdentity: Sendable {
    public let chain: CertificateChain
    public let key: DeviceKey

    public init(chain: CertificateChain, key: DeviceKey) {
        self.chain = chain
        self.key = key
    }
}
