import Foundation
import HearthCore

/// What the hub does on its own about a finding. Each is reversible by an owner, or (a revoked
/// credential) repaired by pairing or signing in again.
public enum ContainmentAction: Sendable, Hashable {
    /// The device's publishes beyond `perSecond` are refused until lifted.
    case rateLimit(DeviceID, household: HouseholdID, perSecond: Int)
    case liftRateLimit(DeviceID, household: HouseholdID)
    /// The device's messages on `flow` beyond its declared rate (`declared`, as written) are
    /// refused until lifted.
    case limitFlow(DeviceID, household: HouseholdID, flow: String, declared: String)
    case liftFlowLimit(DeviceID, household: HouseholdID, flow: String)
    /// The device may do nothing but read its own record until an owner releases it.
    case quarantine(DeviceID, household: HouseholdID)
    /// Ends every live session that authenticated with the credential.
    case disconnect(Credential, household: HouseholdID)
    /// Revokes the certificate: the device must pair again.
    case revokeCertificate(serial: String, device: DeviceID, household: HouseholdID)
    /// Revokes the token's whole family (its grant): the app must be authorized again.
    case revokeToken(id: String, household: HouseholdID)
    /// New connections from the address are refused until `until`.
    case blockSource(String, until: Date)
    /// The command is kept, undelivered, until an owner approves or refuses it, or it expires.
    case holdCommand(HeldCommand)

    /// A stable name, for the audit log and metrics.
    public var name: String {
        switch self {
        case .rateLimit: "rate-limit"
        case .liftRateLimit: "lift-rate-limit"
        case .limitFlow: "limit-flow"
        case .liftFlowLimit: "lift-flow-limit"
        case .quarantine: "quarantine"
        case .disconnect: "disconnect"
        case .revokeCertificate: "revoke-certificate"
        case .revokeToken: "revoke-token"
        case .blockSource: "block-source"
        case .holdCommand: "hold-command"
        }
    }

    /// How the action reads in an alert.
    public var summary: String {
        switch self {
        case .rateLimit(let device, _, let perSecond): "rate-limited device \(device) to \(perSecond) messages/s"
        case .liftRateLimit(let device, _): "lifted the rate limit of device \(device)"
        case .limitFlow(let device, _, let flow, let declared): "limited flow \(flow) of device \(device) to its declared \(declared)"
        case .liftFlowLimit(let device, _, let flow): "lifted the limit on flow \(flow) of device \(device)"
        case .quarantine(let device, _): "quarantined device \(device)"
        case .disconnect(.certificate(let serial), _): "disconnected every session of certificate \(serial)"
        case .disconnect(.token(let id), _): "disconnected every session of token \(id)"
        case .revokeCertificate(let serial, let device, _): "revoked certificate \(serial) of device \(device)"
        case .revokeToken(let id, _): "revoked token \(id) and its grant"
        case .blockSource(let address, let until): "blocked \(address) until \(RFC3339.format(until))"
        case .holdCommand(let command): "held command \(command.id) to device \(command.device) until an owner approves it (at the latest \(RFC3339.format(command.expiresAt)))"
        }
    }
}

/// A finding and what the hub does about it. `escalates` marks a further step on a finding
/// already raised (a storm that outlasted its rate limit): the open alert gains the actions
/// rather than a second alert being raised.
public struct Response: Sendable, Hashable {
    public let finding: Finding
    public let actions: [ContainmentAction]
    public let escalates: Bool

    public init(finding: Finding, actions: [ContainmentAction], escalates: Bool = false) {
        self.finding = finding
        self.actions = actions
        self.escalates = escalates
    }
}
