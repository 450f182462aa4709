import X509

/// The identity the hub's own TLS certificate carries, as a device recognises it.
///
/// The household root also certifies devices and, through the owner API, other `server`
/// certificates (a NAS, a dashboard) for any DNS name. A chain to the pinned root alone would let
/// any of those servers pose as the hub to a device that reaches its hub by IP address, where no
/// host name is checked. Only the hub's certificate carries the URI
/// `spiffe://<household-hex>.<trust-domain>/household/<household-id>/hub`, and the trust domain
/// is in the device's own identity URI, so the device requires that URI in its trust domain.
public struct HubIdentity: Sendable, Hashable {
    /// `<hub-id>.home.arpa` unless the hub was configured otherwise; lower case.
    public let trustDomain: String

    public init(trustDomain: String) { self.trustDomain = trustDomain.lowercased() }

    /// The trust domain of the device certified by `deviceCertificate` (its
    /// `spiffe://…/household/<id>/device/<id>` name); nil if it carries none.
    public init?(deviceCertificate: Certificate) {
        let names = Self.identities(deviceCertificate).filter { $0.path.count == 4 && $0.path[2] == "device" }
        guard let name = names.first else { return nil }
        self.init(trustDomain: name.trustDomain)
    }

    /// True when `certificate` names the hub of this trust domain.
    public func isHub(_ certificate: Certificate) -> Bool {
        Self.identities(certificate).contains { name in
            name.trustDomain == trustDomain && name.path.count == 3 && name.path[2] == "hub"
        }
    }

    private struct Name {
        let trustDomain: String
        let path: [Substring]
    }

    /// The certificate's SPIFFE-style URIs under `/household/`, split into trust domain and path.
    private static func identities(_ certificate: Certificate) -> [Name] {
        let names = (try? certificate.extensions.subjectAlternativeNames) ?? SubjectAlternativeNames()
        return names.compactMap { name -> Name? in
            guard case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix("spiffe://") else { return nil }
            let rest = uri.dropFirst("spiffe://".count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            // The host is `<household-hex>.<trust-domain>`.
            let host = rest[..<slash]
            guard let dot = host.firstIndex(of: "."), host.index(after: dot) < host.endIndex else { return nil }
            let path = rest[rest.index(after: slash)...].split(separator: "/", omittingEmptySubsequences: false)
            guard path.first == "household", path.count >= 3 else { return nil }
            return Name(trustDomain: host[host.index(after: dot)...].lowercased(), path: path)
        }
    }
}
