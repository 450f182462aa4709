import HearthFirmware
import HearthHub
import HearthPairing
import HearthPrivacy

/// Every JSON body `/v1` and the pairing endpoints accept, each read exactly as its route reads
/// it. The fuzzer walks this list (`hearth-fuzz json-bodies`); a route that gains a body type
/// belongs here too.
package enum RequestBodyCatalog {
    package struct Entry: Sendable {
        package let name: String
        package let read: @Sendable ([UInt8]) throws -> Void
    }

    package static let entries: [Entry] = [
        entry("pairing-code", CodePairingStart.self),
        entry("pairing-code-poll", CodePairingPoll.self),
        entry("pairing-secret", SecretPairingRequest.self),
        entry("pairing-attest", AttestationPairingRequest.self),
        entry("pairing-transfer", PairingRoutes.TransferBody.self),
        entry("pairing-accept-transfer", PairingRoutes.AcceptTransferBody.self),
        entry("pairing-window", PairingRoutes.WindowBody.self),
        entry("pairing-approve", PairingRoutes.ApproveBody.self),
        entry("pairing-deny", PairingRoutes.DenyBody.self),
        entry("pairing-expect", PairingRoutes.ExpectBody.self),
        entry("session-sign-in", SessionRoutes.SignIn.self),
        entry("session-password", SessionRoutes.PasswordChange.self),
        entry("session-recovery", SessionRoutes.Recovery.self),
        entry("people-invitation", PeopleRoutes.InvitationBody.self),
        entry("people-accept", PeopleRoutes.AcceptBody.self),
        entry("people-role", PeopleRoutes.RoleBody.self),
        entry("household-create", HouseholdRoutes.CreateBody.self),
        entry("household-suspend", HouseholdRoutes.SuspendBody.self),
        entry("device-move", DeviceRoutes.MoveBody.self),
        entry("device-claim", DeviceRoutes.ClaimBody.self),
        entry("device-reason", DeviceRoutes.ReasonBody.self),
        entry("device-renew", DeviceRoutes.RenewBody.self),
        entry("device-firmware", FirmwareReport.self),
        entry("pki-issue", PKIRoutes.IssueBody.self),
        entry("pki-revoke", PKIRoutes.RevokeBody.self),
        entry("alert-approve", AlertRoutes.ApproveBody.self),
        entry("alert-webhook", AlertRoutes.WebhookBody.self),
        entry("privacy-signed-flows", PrivacyRoutes.SignedBody.self),
        entry("privacy-model", PrivacyRoutes.ModelBody.self),
        entry("privacy-consent", PrivacyRoutes.ConsentBody.self),
        entry("privacy-destination", PrivacyRoutes.DestinationBody.self),
        entry("privacy-erase", PrivacyRoutes.EraseBody.self),
        Entry(name: "privacy-flows") { bytes in _ = try FlowManifest.parse(bytes) },
        entry("firmware-maker", FirmwareRoutes.MakerBody.self),
        entry("firmware-maker-change", FirmwareRoutes.MakerChange.self),
        entry("firmware-withdraw", FirmwareRoutes.WithdrawBody.self),
        entry("firmware-rule", FirmwareRoutes.RuleBody.self),
        entry("firmware-rotate", FirmwareRoutes.RotateBody.self),
        entry("firmware-campaign", FirmwareRoutes.CampaignBody.self),
        Entry(name: "firmware-metadata") { bytes in _ = try SignedMetadata(parsing: bytes) },
        entry("oauth-client", ClientRegistry.Registration.self),
        entry("oauth-code", OAuthManagementRoutes.CodeBody.self),
        entry("oauth-behind-gateway", OAuthManagementRoutes.BehindGateway.self),
    ]

    private static func entry<Body: Decodable & SendableMetatype>(_ name: String, _: Body.Type) -> Entry {
        Entry(name: name) { bytes in _ = try JSONBody.decode(Body.self, from: bytes) }
    }
}
