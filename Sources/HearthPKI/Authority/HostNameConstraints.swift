import SwiftASN1
import X509

/// The DNS names and IP addresses a zone CA may certify. The household root is trusted by
/// people's browsers and tools, so it must not vouch for `www.example.com`.
///
/// DNS names are RFC 5280 name constraints in the CA certificate itself, so a certificate signed
/// by hand with a zone CA's key is rejected too: the hub's configured host names, `localhost`,
/// `home.arpa` and `local` names (each with its subdomains, as RFC 5280 reads a dNSName
/// constraint). IP addresses are the hub's own rule at issuance only — loopback and private ones —
/// and not in the certificate: BoringSSL (swift-nio-ssl, so every Swift client, the device SDK
/// included) rejects any chain whose CA constrains IP addresses and whose leaf names one
/// (`X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE`), and the hub's own certificate names 127.0.0.1.
public struct HostNameConstraints: Sendable, Hashable {
    /// dNSName subtrees, lower-case.
    public let dnsDomains: [String]

    public static let localDomains = ["localhost", "home.arpa", "local"]

    /// 127/8, 10/8, 172.16/12, 192.168/16, ::1/128 and fc00::/7 (unique local).
    public static let privateAndLoopbackRanges: [[UInt8]] = [
        [127, 0, 0, 0, 255, 0, 0, 0],
        [10, 0, 0, 0, 255, 0, 0, 0],
        [172, 16, 0, 0, 255, 240, 0, 0],
        [192, 168, 0, 0, 255, 255, 0, 0],
        [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 255, count: 16),
        [0xfc] + [UInt8](repeating: 0, count: 15) + [0xfe] + [UInt8](repeating: 0, count: 15),
    ]

    public init(dnsDomains: [String]) {
        var seen = Set<String>()
        self.dnsDomains = dnsDomains.map { $0.lowercased() }.filter { seen.insert($0).inserted }
    }

    /// What a new hub's zone CAs permit.
    public static func forHub(hostnames: [String]) -> HostNameConstraints {
        HostNameConstraints(dnsDomains: localDomains + hostnames)
    }

    /// The constraints a CA certificate carries (empty for a CA made before they existed, which
    /// then permits any DNS name, as it always did).
    public init(of certificate: Certificate) {
        let constraints = try? certificate.extensions.nameConstraints
        self.init(dnsDomains: constraints.map { Array($0.permittedDNSDomains) } ?? [])
    }

    /// RFC 5280 §4.2.1.10: the name itself or any name with labels added on the left; a
    /// constraint starting with a dot permits only the latter.
    public func permits(dnsName: String) -> Bool {
        guard !dnsDomains.isEmpty else { return true }
        let name = dnsName.lowercased()
        return dnsDomains.contains { domain in
            domain.hasPrefix(".") ? name.hasSuffix(domain) : (name == domain || name.hasSuffix("." + domain))
        }
    }

    public func permits(ipAddress: [UInt8]) -> Bool {
        Self.privateAndLoopbackRanges.contains { range in
            let length = range.count / 2
            guard ipAddress.count == length else { return false }
            return (0..<length).allSatisfy { ipAddress[$0] & range[length + $0] == range[$0] & range[length + $0] }
        }
    }
}
