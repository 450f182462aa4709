import HearthCore

/// The records reachable inside one read or one transaction. Every accessor shares the same
/// connection, so what a write closure does through any of them commits or rolls back together.
public struct StoreSession: Sendable {
    public let db: any SQLExecutor
    /// The store's clock, so records that stamp times (the audit log) agree with the callers.
    public let clock: any HearthClock

    public init(db: any SQLExecutor, clock: any HearthClock) {
        self.db = db
        self.clock = clock
    }

    public var hub: HubRecords { HubRecords(db: db) }
    public var households: HouseholdRecords { HouseholdRecords(db: db) }
    public var people: PersonRecords { PersonRecords(db: db) }
    public var memberships: MembershipRecords { MembershipRecords(db: db) }
    public var invitations: InvitationRecords { InvitationRecords(db: db) }
    public var hubOperators: HubOperatorRecords { HubOperatorRecords(db: db) }
    public var accountRecovery: AccountRecoveryRecords { AccountRecoveryRecords(db: db) }
    public var devices: DeviceRecords { DeviceRecords(db: db) }
    public var sessions: SessionRecords { SessionRecords(db: db) }
    public var signInFailures: SignInFailureRecords { SignInFailureRecords(db: db) }
    public var requestBuckets: RequestBucketRecords { RequestBucketRecords(db: db) }
    public var leases: LeaseRecords { LeaseRecords(db: db) }
    public var hubNodes: HubNodeRecords { HubNodeRecords(db: db) }
    public var detectionSignals: DetectionSignalRecords { DetectionSignalRecords(db: db) }
    public var sourceBlocks: SourceBlockRecords { SourceBlockRecords(db: db) }
    public var pki: PKIRecords { PKIRecords(db: db) }
    public var pairing: PairingRecords { PairingRecords(db: db) }
    public var attestation: AttestationRecords { AttestationRecords(db: db) }
    public var oauthClients: OAuthClientRecords { OAuthClientRecords(db: db) }
    public var oauthGrants: OAuthGrantRecords { OAuthGrantRecords(db: db) }
    public var oauthAuthorizations: OAuthAuthorizationRecords { OAuthAuthorizationRecords(db: db) }
    public var oauthKeys: OAuthKeyRecords { OAuthKeyRecords(db: db) }
    public var secondFactors: SecondFactorRecords { SecondFactorRecords(db: db) }
    public var accessChanges: AccessChangeRecords { AccessChangeRecords(db: db) }
    public var mqtt: MQTTRecords { MQTTRecords(db: db) }
    public var privacy: PrivacyRecords { PrivacyRecords(db: db) }
    public var alerts: AlertRecords { AlertRecords(db: db) }
    public var commands: CommandRecords { CommandRecords(db: db) }
    public var webhooks: WebhookRecords { WebhookRecords(db: db) }
    public var baselines: BaselineRecords { BaselineRecords(db: db) }
    public var firmware: FirmwareRecords { FirmwareRecords(db: db) }
    public var tuf: TUFRecords { TUFRecords(db: db) }
    public var posture: PostureRecords { PostureRecords(db: db) }
    public var campaigns: CampaignRecords { CampaignRecords(db: db) }
    public var audit: AuditRecords { AuditRecords(db: db, clock: clock) }
    public var witness: WitnessRecords { WitnessRecords(db: db) }
}
