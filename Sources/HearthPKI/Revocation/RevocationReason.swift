import HearthCore
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

    /// The reasons a person may give: revocation in Hearth is permanent, so `certificateHold` and
    /// `removeFromCRL` (suspension and its undoing) are not offered.
    public static let selectable: [RevocationReason] = allCases.filter { $0 != .certificateHold && $0 != .removeFromCRL }

    /// The kebab-case name used by the CLI and API (`key-compromise`).
    public var name: String {
        String(describing: self).reduce(into: "") { text, character in
            if character.isUppercase { text += "-" + character.lowercased() } else { text.append(character) }
        }
    }

    /// A selectable reason by kebab-case name, RFC 5280 camelCase name or code.
    public init?(name: String) {
        let found = Self.selectable.first {
            $0.name == name || String(describing: $0) == name || String($0.rawValue) == name
        }
        guard let found else { return nil }
        self = found
    }

    /// A reason by name, or an `invalid-input` error listing the accepted names.
    public static func parse(_ text: String) throws -> RevocationReason {
        guard let reason = RevocationReason(name: text) else {
            throw HearthError(
                .invalidInput, "unknown revocation reason; use one of " + selectable.map(\.name).joined(separator: ", "))
        }
        return reason
    }
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
