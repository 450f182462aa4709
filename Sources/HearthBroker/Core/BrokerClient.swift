import Foundation
import HearthCore

/// Who a connected client is, as established at CONNECT by the ``BrokerGatekeeper``.
///
/// A class, immutable: every packet of the connection consults it, and a reference costs one
/// retain where a copy of its strings would cost a dozen.
public final class BrokerClient: Sendable {
    /// The mount point: every topic this client names is inside this household.
    public let household: HouseholdID
    /// Who, for the policy engine.
    public let subject: PolicySubject
    /// The session's key, derived from the identity (never from the client's word alone), so
    /// nobody can resume or take over another identity's session.
    public let sessionKey: String
    /// The MQTT client identifier the client uses (assigned when it sent an empty one).
    public let clientID: String
    /// The certificate the client authenticated with (lowercase hex serial), if any.
    public let certificateSerial: String?
    /// The access token the client authenticated with (its `jti`), if any.
    public let tokenID: String?
    /// The OAuth grant an integration's certificate stands for (it holds no token): the session
    /// lasts while the grant does.
    public let grantID: String?
    /// When the credential stops being valid; the session is closed then.
    public let validUntil: Date
    /// How the audit log names the client, e.g. `device:<id>` or `person:<id>`.
    public let auditSubject: String
    /// The client identifier was chosen by the broker and must be sent back (MQTT 5).
    public let assignedClientID: Bool
    /// The device's id when the client is a device: read on every PUBLISH it makes, where
    /// matching `subject` would copy the device's facts each time.
    public let deviceID: DeviceID?

    public init(
        household: HouseholdID, subject: PolicySubject, sessionKey: String, clientID: String,
        certificateSerial: String?, tokenID: String?, grantID: String? = nil, validUntil: Date, auditSubject: String,
        assignedClientID: Bool
    ) {
        self.household = household
        self.subject = subject
        self.sessionKey = sessionKey
        self.clientID = clientID
        self.certificateSerial = certificateSerial
        self.tokenID = tokenID
        self.grantID = grantID
        self.validUntil = validUntil
        self.auditSubject = auditSubject
        self.assignedClientID = assignedClientID
        deviceID = if case .device(let device, _) = subject { device.id } else { nil }
    }
}

extension BrokerClient {
    /// What the scopes this client uses are noted against: its token, or an integration's grant.
    public var scopeUser: ScopeUseLedger.User? { tokenID.map { .token($0) } ?? grantID.map { .grant($0) } }
}
