import Foundation
import HearthCore

/// What a detector concluded.
public enum FindingKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Many refused credentials or codes from one source, or for one target from many.
    case bruteForce = "brute-force"
    /// One certificate or token live on two connections from different addresses.
    case credentialInTwoPlaces = "credential-in-two-places"
    /// A device whose certificate is close to expiry and that has not renewed it.
    case stuckDevice = "stuck-device"
    /// An OAuth client minting access tokens far above its learned rate.
    case tokenStorm = "token-storm"
    /// A device sending far above its learned rate.
    case messageStorm = "message-storm"
    /// A client refused many publishes or subscriptions: probing for topics it may not use.
    case topicScanning = "topic-scanning"
    /// Requests naming a host that is not the hub's: a web page rebinding its name to the hub.
    case dnsRebinding = "dns-rebinding"
    /// A command to a `security` device from a commander that never commanded it, or at an hour
    /// the household does not use: held for an owner's approval.
    case unusualCommand = "unusual-command"
    /// A device renewed its certificate from an address it was never seen at.
    case renewalFromNewAddress = "renewal-from-new-address"
    /// A device reported firmware with a lower security version than before: rolled back, by
    /// someone with access to it or by an attacker reinstalling a vulnerable release.
    case firmwareDowngrade = "firmware-downgrade"
    /// A device reported a published release's version with another image than the release's:
    /// not what its maker signed under that name.
    case firmwareImageMismatch = "firmware-image-mismatch"
}

public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case notice, warning, critical

    private var rank: Int {
        switch self {
        case .notice: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One fact that raised a finding, for the owner who reads the alert.
public struct Evidence: Sendable, Hashable, Codable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A detector's conclusion about one suspect, with the evidence that raised it.
public struct Finding: Sendable, Hashable {
    public let kind: FindingKind
    public let suspect: Suspect
    /// The household it concerns; nil for a stranger who is in none (a source guessing at the hub).
    public let household: HouseholdID?
    public let severity: Severity
    /// One sentence for a person.
    public let summary: String
    public let evidence: [Evidence]
    public let at: Date

    public init(
        kind: FindingKind, suspect: Suspect, household: HouseholdID?, severity: Severity, summary: String,
        evidence: [Evidence], at: Date
    ) {
        self.kind = kind
        self.suspect = suspect
        self.household = household
        self.severity = severity
        self.summary = summary
        self.evidence = evidence
        self.at = at
    }
}
