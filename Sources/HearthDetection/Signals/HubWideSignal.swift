import Foundation
import HearthCore

/// A signal about something any hub node may see — a guess, a refused handshake, a request under a
/// stranger's name, a token issued, a device connecting or renewing, a firmware report — in the
/// form one node hands it to another through the database (docs/scale-out.md). On several nodes
/// these are judged by one engine, the one of the node holding the `detection` lease, so a
/// guesser spreading over the nodes meets one budget. The other signals (a device's traffic, the
/// policy's denials, a credential live twice, a held command) arise where the household's MQTT is
/// served and are judged there.
public enum HubWideSignal: Sendable, Hashable, Codable {
    case authenticationFailed(AuthenticationKind, source: String?, target: String?, at: Date)
    case handshakeRefused(HandshakeRefusal, source: String?, at: Date)
    case unknownHost(String, source: String?, at: Date)
    case tokenIssued(client: String, household: HouseholdID, at: Date)
    case deviceConnected(DeviceID, address: String, at: Date)
    case renewed(DeviceID, household: HouseholdID, source: String, at: Date)
    case firmwareDowngraded(
        DeviceID, household: HouseholdID, model: String, fromVersion: String, fromSecurityVersion: Int64, toVersion: String,
        toSecurityVersion: Int64, source: String, at: Date)
    case firmwareImageMismatch(FirmwareImageMismatch)

    /// The hub-wide form of `signal`; nil for a signal judged where it arises.
    public init?(_ signal: Signal) {
        switch signal {
        case .authenticationFailed(let kind, let source, let target, let at):
            self = .authenticationFailed(kind, source: source, target: target, at: at)
        case .handshakeRefused(let refusal, let source, let at):
            self = .handshakeRefused(refusal, source: source, at: at)
        case .unknownHost(let host, let source, let at):
            self = .unknownHost(host, source: source, at: at)
        case .tokenIssued(let client, let household, let at):
            self = .tokenIssued(client: client, household: household, at: at)
        case .deviceConnected(let device, let address, let at):
            self = .deviceConnected(device, address: address, at: at)
        case .renewed(let device, let household, let source, let at):
            self = .renewed(device, household: household, source: source, at: at)
        case .firmwareDowngraded(let change):
            self = .firmwareDowngraded(
                change.device, household: change.household, model: change.model, fromVersion: change.from.version,
                fromSecurityVersion: change.from.securityVersion, toVersion: change.to.version,
                toSecurityVersion: change.to.securityVersion, source: change.source, at: change.at)
        case .firmwareImageMismatch(let mismatch):
            self = .firmwareImageMismatch(mismatch)
        case .credentialInTwoPlaces, .traffic, .flowTraffic, .certificateAging, .denials, .commandHeld:
            return nil
        }
    }

    /// The signal as the engine takes it.
    public var signal: Signal {
        switch self {
        case .authenticationFailed(let kind, let source, let target, let at):
            .authenticationFailed(kind, source: source, target: target, at: at)
        case .handshakeRefused(let refusal, let source, let at):
            .handshakeRefused(refusal, source: source, at: at)
        case .unknownHost(let host, let source, let at):
            .unknownHost(host, source: source, at: at)
        case .tokenIssued(let client, let household, let at):
            .tokenIssued(client: client, household: household, at: at)
        case .deviceConnected(let device, let address, let at):
            .deviceConnected(device, address: address, at: at)
        case .renewed(let device, let household, let source, let at):
            .renewed(device, household: household, source: source, at: at)
        case .firmwareDowngraded(let device, let household, let model, let fromVersion, let fromSecurity, let toVersion, let toSecurity, let source, let at):
            .firmwareDowngraded(FirmwareChange(
                device: device, household: household, model: model, from: (fromVersion, fromSecurity), to: (toVersion, toSecurity),
                source: source, at: at))
        case .firmwareImageMismatch(let mismatch):
            .firmwareImageMismatch(mismatch)
        }
    }
}
