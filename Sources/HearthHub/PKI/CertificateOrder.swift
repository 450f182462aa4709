import HearthCore
import HearthPKI
import HearthStore

/// What the hub is asked to certify, after the caller has authenticated and parsed the request.
/// The key comes from the CSR; every name comes from here, never from the CSR.
public struct CertificateOrder: Sendable {
    /// Whose identity the certificate names.
    public enum Subject: Sendable, Hashable {
        /// An existing device of the household; the zone defaults to the device's.
        case device(DeviceID)
        /// A new identity (a paired device, or a gateway or server set up by an admin): a device
        /// record is made for it, so the identity is never reused. Active, or pending when it waits
        /// for an owner to claim it (zero-touch without an enrollment rule).
        case newDevice(name: String, pending: Bool = false)
        /// The hub itself (its TLS server certificate).
        case hub
        /// An integration (Home Assistant): the OAuth client whose grant its certificate stands for.
        case integration(client: String)
    }

    public let request: CertificateRequest
    public let profile: CertificateProfile
    public let household: HouseholdID
    public let subject: Subject
    public let zone: Zone?
    /// DNS names for server-capable profiles (gateway, server).
    public let dnsNames: [String]
    /// IP addresses (4 or 16 bytes), only for the hub's own certificate.
    public let ipAddresses: [[UInt8]]
    public let lifetime: Duration?
    /// The serial being renewed, recorded in the inventory.
    public let renewedFrom: String?
    /// How the certificate comes about, recorded in the inventory; a `pairing` certificate may
    /// (and should) be renewed at once.
    public let origin: CertificateRecord.Origin

    public init(
        request: CertificateRequest, profile: CertificateProfile, household: HouseholdID, subject: Subject,
        zone: Zone? = nil, dnsNames: [String] = [], ipAddresses: [[UInt8]] = [], lifetime: Duration? = nil,
        renewedFrom: String? = nil, origin: CertificateRecord.Origin? = nil
    ) throws {
        if !dnsNames.isEmpty, !profile.isServer {
            throw HearthError(.invalidInput, "only gateway and server certificates carry DNS names")
        }
        for name in dnsNames { try Self.checkDNSName(name) }
        self.request = request
        self.profile = profile
        self.household = household
        self.subject = subject
        self.zone = zone
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.lifetime = lifetime
        self.renewedFrom = renewedFrom
        self.origin = origin ?? (subject == .hub ? .hub : renewedFrom == nil ? .admin : .renewal)
    }

    /// A host name of letters, digits and hyphens in dot-separated labels (no wildcards).
    package static func checkDNSName(_ name: String) throws {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = name.utf8.count <= 253 && !labels.isEmpty && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { $0 == 0x2D || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) }
        }
        guard valid else { throw HearthError(.invalidInput, "\(name.prefix(80)) is not a DNS host name") }
    }
}
