import struct Foundation.Date

/// RFC 5280 §5.3.1 reason codes (value 7 is unused by the standard).
public enum RevocationReason: Int, Sendable, CaseIterable, Codable {
    case unspecified = 0
    case keyCompromise = 1
    case caCompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aaCompromise = 10
}

/// One revoked certificate as a CRL lists it.
public struct RevokedCertificate: Sendable, Hashable {
    /// The serial's DER INTEGER content bytes (big-endian, as in the certificate).
    public let serial: [UInt8]
    public let revokedAt: Date
    public let reason: RevocationReason

    public init(serial: [UInt8], revokedAt: Date, reason: RevocationReason) {
        self.serial = serial
        self.revokedAt = revokedAt
        self.reason = reason
    }
}
