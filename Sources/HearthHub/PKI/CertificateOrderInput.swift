import HearthCore
import HearthPKI

/// A certificate order as a person writes it (CLI flags or API fields), checked and turned into
/// a ``CertificateOrder``. Every field is validated before anything is stored.
public struct CertificateOrderInput: Sendable {
    public let csrPEM: String
    public let profile: String
    public let deviceID: String?
    public let name: String?
    public let zone: String?
    public let dnsNames: [String]
    public let lifetimeSeconds: Int64?

    public init(
        csrPEM: String, profile: String, deviceID: String?, name: String?, zone: String?, dnsNames: [String],
        lifetimeSeconds: Int64?
    ) {
        self.csrPEM = csrPEM
        self.profile = profile
        self.deviceID = deviceID
        self.name = name
        self.zone = zone
        self.dnsNames = dnsNames
        self.lifetimeSeconds = lifetimeSeconds
    }

    public func order(household: HouseholdID) throws -> CertificateOrder {
        guard let profile = CertificateProfile(rawValue: profile), profile != .integration else {
            throw HearthError(.invalidInput, "the profile is device, gateway or server")
        }
        guard csrPEM.utf8.count <= CertificateRequest.maximumBytes * 2 else {
            throw HearthError(.invalidInput, "the CSR is larger than \(CertificateRequest.maximumBytes) bytes")
        }
        let request = try CertificateRequest(pem: csrPEM)
        let subject: CertificateOrder.Subject
        if let deviceID {
            guard let id = DeviceID(deviceID) else { throw HearthError(.invalidInput, "the device id is malformed") }
            guard name == nil else { throw HearthError(.invalidInput, "give a name only for a new identity, not with a device id") }
            subject = .device(id)
        } else {
            subject = .newDevice(name: name ?? "\(profile.rawValue) certificate")
        }
        if let seconds = lifetimeSeconds, seconds <= 0 {
            throw HearthError(.invalidInput, "the lifetime must be positive")
        }
        guard dnsNames.count <= 16 else { throw HearthError(.invalidInput, "at most 16 DNS names") }
        return try CertificateOrder(
            request: request, profile: profile, household: household, subject: subject, zone: try zone.map(Zone.init),
            dnsNames: dnsNames, lifetime: lifetimeSeconds.map { .seconds($0) })
    }
}
