import HearthCore

/// A state change to record, as a feature describes it; the log adds the index, time and hashes.
///
/// `details` holds context for people reading the log (ids, counts, names of things) and never a
/// secret: no password, token, key or code goes here. It is the only part retention may redact.
public struct AuditEvent: Sendable, Hashable {
    public let action: AuditAction
    public let actor: AuditActor
    /// What the change is about, `kind:id` (for example `person:…`, `session:…`).
    public let subject: String
    /// The household whose owners may read the entry; `nil` for hub-wide events.
    public let householdID: HouseholdID?
    public let reason: String
    public let details: [String: String]

    public init(
        _ action: AuditAction, actor: AuditActor, subject: String, household: HouseholdID?, reason: String = "",
        details: [String: String] = [:]
    ) {
        self.action = action
        self.actor = actor
        self.subject = AuditText.clean(subject, limit: 200)
        self.householdID = household
        self.reason = AuditText.clean(reason, limit: 500)
        self.details = details
    }
}

/// A dotted lower-case action name such as `session.login_failed` or `certificate.issued`.
public struct AuditAction: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String
    public var description: String { name }

    public init?(_ name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = name.utf8.count <= 64 && parts.count >= 2 && parts.allSatisfy { part in
            guard let first = part.first, first.isASCII, first.isLowercase else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
        }
        guard valid else { return nil }
        self.name = name
    }

    /// Actions in code are literals; a malformed one is a programming error caught by any test.
    public init(stringLiteral value: String) {
        guard let action = AuditAction(value) else { preconditionFailure("\(value) is not a dotted action name") }
        self = action
    }
}

extension AuditAction {
    public static let householdCreated: AuditAction = "household.created"
    public static let personCreated: AuditAction = "person.created"
    public static let householdSuspended: AuditAction = "household.suspended"
    public static let householdResumed: AuditAction = "household.resumed"
    public static let householdDeleted: AuditAction = "household.deleted"
    public static let invitationCreated: AuditAction = "invitation.created"
    public static let invitationRevoked: AuditAction = "invitation.revoked"
    public static let invitationAccepted: AuditAction = "invitation.accepted"
    public static let invitationRefused: AuditAction = "invitation.refused"
    public static let roleChanged: AuditAction = "person.role_changed"
    public static let personRemoved: AuditAction = "person.removed"
    public static let accessEnded: AuditAction = "person.access_ended"
    public static let ownershipTransferred: AuditAction = "household.ownership_transferred"
    public static let recoveryCodesIssued: AuditAction = "person.recovery_codes_issued"
    public static let accountRecovered: AuditAction = "person.account_recovered"
    public static let passwordChanged: AuditAction = "person.password_changed"
    public static let passwordReset: AuditAction = "person.password_reset"
    public static let loginSucceeded: AuditAction = "session.login_succeeded"
    public static let loginFailed: AuditAction = "session.login_failed"
    public static let sessionEnded: AuditAction = "session.ended"
    public static let sessionsExpired: AuditAction = "session.expired"
    public static let auditRedacted: AuditAction = "audit.redacted"
    public static let auditWitnessAdded: AuditAction = "audit.witness_added"
    public static let auditWitnessRemoved: AuditAction = "audit.witness_removed"
    public static let witnessedLogAdded: AuditAction = "witness.log_added"
    public static let witnessedLogRemoved: AuditAction = "witness.log_removed"
    public static let authorityCreated: AuditAction = "ca.created"
    public static let authorityRetired: AuditAction = "ca.retired"
    public static let authorityRevoked: AuditAction = "ca.revoked"
    public static let kekRotated: AuditAction = "ca.kek_rotated"
    public static let certificateIssued: AuditAction = "certificate.issued"
    public static let certificateRevoked: AuditAction = "certificate.revoked"
    public static let crlGenerated: AuditAction = "crl.generated"
    public static let renewalRefused: AuditAction = "certificate.renewal_refused"
    public static let certificateRekeyed: AuditAction = "certificate.rekeyed"
    public static let pairingWindowOpened: AuditAction = "pairing.window_opened"
    public static let pairingWindowClosed: AuditAction = "pairing.window_closed"
    public static let pairingExpected: AuditAction = "pairing.expected"
    public static let pairingRequested: AuditAction = "pairing.requested"
    public static let pairingApproved: AuditAction = "pairing.approved"
    public static let pairingDenied: AuditAction = "pairing.denied"
    public static let pairingCompleted: AuditAction = "pairing.completed"
    public static let pairingRefused: AuditAction = "pairing.refused"
    public static let manufacturerAdded: AuditAction = "trust.manufacturer_added"
    public static let manufacturerRemoved: AuditAction = "trust.manufacturer_removed"
    public static let transferApproved: AuditAction = "device.transfer_approved"
    public static let deviceTransferred: AuditAction = "device.transferred"
    public static let deviceClaimed: AuditAction = "device.claimed"
    public static let deviceMoved: AuditAction = "device.moved"
    public static let deviceQuarantined: AuditAction = "device.quarantined"
    public static let deviceReleased: AuditAction = "device.released"
    public static let deviceDecommissioned: AuditAction = "device.decommissioned"
    public static let deviceAttached: AuditAction = "device.attached_to_gateway"
    public static let oauthKeyCreated: AuditAction = "oauth.key_created"
    public static let oauthKeyRotated: AuditAction = "oauth.key_rotated"
    public static let oauthClientRegistered: AuditAction = "oauth.client_registered"
    public static let oauthClientRevoked: AuditAction = "oauth.client_revoked"
    public static let oauthConsentGranted: AuditAction = "oauth.consent_granted"
    public static let oauthConsentDenied: AuditAction = "oauth.consent_denied"
    public static let oauthTokenIssued: AuditAction = "oauth.token_issued"
    public static let oauthTokenRefused: AuditAction = "oauth.token_refused"
    public static let oauthTokenRevoked: AuditAction = "oauth.token_revoked"
    public static let oauthGrantRevoked: AuditAction = "oauth.grant_revoked"
    /// An owner registered an integration (Home Assistant): its client, grant and certificate.
    public static let integrationRegistered: AuditAction = "integration.registered"
    /// A new certificate for a live integration; its grant extended to the certificate's end.
    public static let integrationRenewed: AuditAction = "integration.renewed"
    /// A signal: a used refresh token or authorization code presented again (a stolen token in play).
    public static let oauthReplayDetected: AuditAction = "oauth.replay_detected"
    public static let secondFactorEnrolled: AuditAction = "person.second_factor_enrolled"
    public static let secondFactorRemoved: AuditAction = "person.second_factor_removed"
    public static let recoveryCodeUsed: AuditAction = "person.recovery_code_used"
    /// Policy denials of one MQTT client, counted over a window (one entry however many).
    public static let mqttDenied: AuditAction = "mqtt.denied"
    // Detection and containment (docs/detection.md).
    /// A detector's finding, its evidence and what the hub did about it.
    public static let alertRaised: AuditAction = "detection.alert_raised"
    /// A further step on an open alert (a storm that outlasted its rate limit, or ended).
    public static let alertEscalated: AuditAction = "detection.alert_escalated"
    public static let alertAcknowledged: AuditAction = "detection.alert_acknowledged"
    /// A command held for an owner's approval: kept (with the alert), approved and delivered, or refused.
    public static let commandHeld: AuditAction = "detection.command_held"
    public static let commandApproved: AuditAction = "detection.command_approved"
    public static let commandRefused: AuditAction = "detection.command_refused"
    /// Where alerts are posted (the URL in the details; the secret never).
    public static let webhookSet: AuditAction = "detection.webhook_set"
    public static let webhookRemoved: AuditAction = "detection.webhook_removed"
    // Telemetry privacy (docs/privacy.md).
    public static let flowDeclared: AuditAction = "privacy.flow_declared"
    public static let flowRemoved: AuditAction = "privacy.flow_removed"
    public static let deviceModelSet: AuditAction = "privacy.device_model_set"
    public static let consentGranted: AuditAction = "privacy.consent_granted"
    public static let consentWithdrawn: AuditAction = "privacy.consent_withdrawn"
    public static let destinationAdded: AuditAction = "privacy.destination_added"
    public static let destinationRemoved: AuditAction = "privacy.destination_removed"
    /// What one flow sent to one destination in one UTC day: messages and bytes.
    public static let telemetryBridged: AuditAction = "privacy.bridged_daily"
    public static let telemetryErased: AuditAction = "privacy.telemetry_erased"
    public static let householdExported: AuditAction = "privacy.exported"
    // Firmware (docs/firmware.md).
    public static let makerRegistered: AuditAction = "firmware.maker_registered"
    /// A maker's release key added or removed, or a model given to it: a new delegation.
    public static let makerChanged: AuditAction = "firmware.maker_changed"
    public static let releasePublished: AuditAction = "firmware.release_published"
    public static let releaseWithdrawn: AuditAction = "firmware.release_withdrawn"
    /// One of the hub's TUF role keys replaced (a new root version names the new key).
    public static let repositoryKeyRotated: AuditAction = "firmware.repository_key_rotated"
    /// What a device says it runs (at pairing, renewal or in a report), when it changed.
    public static let firmwareReported: AuditAction = "firmware.reported"
    /// A report with a lower security version than the device's previous one.
    public static let firmwareDowngraded: AuditAction = "firmware.downgraded"
    public static let postureRuleSet: AuditAction = "firmware.posture_rule_set"
    public static let postureRuleRemoved: AuditAction = "firmware.posture_rule_removed"
    // Staged rollouts: each step of a campaign.
    public static let campaignStarted: AuditAction = "firmware.campaign_started"
    public static let campaignOffered: AuditAction = "firmware.campaign_offered"
    public static let campaignAdvanced: AuditAction = "firmware.campaign_advanced"
    public static let campaignDeviceFailed: AuditAction = "firmware.campaign_device_failed"
    public static let campaignHalted: AuditAction = "firmware.campaign_halted"
    public static let campaignRolledBack: AuditAction = "firmware.campaign_rolled_back"
    public static let campaignCompleted: AuditAction = "firmware.campaign_completed"
}
