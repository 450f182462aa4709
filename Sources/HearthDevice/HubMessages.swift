import HearthFirmware

/// The JSON bodies of the hub's device-facing API. Binary values are base64url without padding.

/// What a successful pairing returns (a code poll's 200, a secret pairing's 201).
struct PairingIssued: Decodable {
    let deviceID: String
    let chainPEM: String
    let rootPEM: String
    let certificate: IssuedCertificateSummary
    /// The hub's MAC over what it issued: keyed by the setup secret, or by the confirmation part
    /// of the displayed value in code mode.
    let hubProof: String?

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case chainPEM = "chain_pem"
        case rootPEM = "root_pem"
        case certificate
        case hubProof = "hub_proof"
    }
}

/// `POST /v1/certificates/renew`
struct RenewalRequest: Encodable {
    let csr: String
    /// What the device runs (docs/firmware.md): a device out of posture renews only with an update.
    let firmware: FirmwareReport?
}

/// The hub's answer to ``RenewalRequest`` (201, or 200 for a retry).
struct RenewalIssued: Decodable {
    let certificate: IssuedCertificateSummary
    let chainPEM: String

    enum CodingKeys: String, CodingKey {
        case certificate
        case chainPEM = "chain_pem"
    }
}

/// The parts of the hub's inventory entry the device uses; the certificate itself is the authority
/// for its dates.
struct IssuedCertificateSummary: Decodable {
    let serial: String
}
