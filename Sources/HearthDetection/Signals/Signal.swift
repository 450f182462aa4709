import Foundation
import HearthCore

/// What can be refused when a stranger guesses: the brute-force detector counts them per source
/// and per target.
public enum AuthenticationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A password (or second factor) at sign-in.
    case signIn = "sign-in"
    /// A pairing code or proof.
    case pairingCode = "pairing-code"
    /// An invitation's code.
    case invitationCode = "invitation-code"
    /// A user code of the OAuth device flow.
    case userCode = "user-code"
    /// An MQTT CONNECT (a certificate that names no device, a refused token).
    case mqttConnect = "mqtt-connect"
    /// A refused OAuth client authentication or access token.
    case token
    /// A client certificate refused in the TLS handshake (not the hub's, revoked, expired).
    case clientCertificate = "client-certificate"
}

/// Why a TLS handshake failed, as detection counts it.
public enum HandshakeRefusal: String, Sendable, Hashable, Codable, CaseIterable {
    /// A client certificate that is not one of the hub's own, or no longer valid: a refused credential.
    case clientCertificate = "client-certificate"
    /// Anything else: no shared protocol or cipher, not TLS at all, a connection dropped mid-way.
    case tlsError = "tls-error"
}

/// The credential a live session was opened with.
public enum Credential: Sendable, Hashable {
    /// A certificate (lowercase hex serial).
    case certificate(serial: String)
    /// An access token (its `jti`).
    case token(id: String)
}

/// A device's traffic over one harvest of the broker's meters: what it offered, including what
/// a rate limit then dropped.
public struct TrafficSample: Sendable, Hashable {
    public let device: DeviceID
    public let household: HouseholdID
    public let zone: String
    public let messages: Int
    public let bytes: Int
    /// The span the counts cover.
    public let interval: TimeInterval
    public let at: Date

    public init(device: DeviceID, household: HouseholdID, zone: String, messages: Int, bytes: Int, interval: TimeInterval, at: Date) {
        self.device = device
        self.household = household
        self.zone = zone
        self.messages = messages
        self.bytes = bytes
        self.interval = interval
        self.at = at
    }

    public var messagesPerSecond: Double { interval > 0 ? Double(messages) / interval : 0 }
}

/// A device's messages on one telemetry flow whose declaration states a rate, over a window.
public struct FlowTrafficSample: Sendable, Hashable {
    public let device: DeviceID
    public let household: HouseholdID
    public let flow: String
    /// Messages the device offered on the flow, and of those the ones refused for its limit.
    public let messages: Int
    public let refused: Int
    /// The declared rate: `count` messages per `period` seconds, and as written (`12/m`).
    public let count: Int
    public let period: TimeInterval
    public let declared: String
    public let interval: TimeInterval
    public let at: Date

    public init(
        device: DeviceID, household: HouseholdID, flow: String, messages: Int, refused: Int = 0, count: Int, period: TimeInterval,
        declared: String, interval: TimeInterval, at: Date
    ) {
        self.device = device
        self.household = household
        self.flow = flow
        self.messages = messages
        self.refused = refused
        self.count = count
        self.period = period
        self.declared = declared
        self.interval = interval
        self.at = at
    }

    public var messagesPerSecond: Double { interval > 0 ? Double(messages) / interval : 0 }
    public var declaredPerSecond: Double { Double(count) / period }
}

/// One event from a layer of the hub, as the detectors see it. Rare events (a refused credential,
/// a credential seen twice) are posted one by one; frequent ones (messages, denials) arrive
/// already counted per window, so the hot paths never wait for detection.
public enum Signal: Sendable, Hashable {
    /// A credential or code was refused. `target` is what it was for (an account, a pairing
    /// offer, a client), when known.
    case authenticationFailed(AuthenticationKind, source: String?, target: String?, at: Date)
    /// One credential is live on connections from two different addresses.
    case credentialInTwoPlaces(
        Suspect, household: HouseholdID, credential: Credential, addresses: [String], zone: String?, at: Date)
    /// A device's messages over a window.
    case traffic(TrafficSample)
    /// A device's messages on a flow with a declared rate, over a window.
    case flowTraffic(FlowTrafficSample)
    /// An HTTP request named a host that is not one of the hub's names (a DNS rebinding attempt:
    /// a web page making a browser on the LAN talk to the hub under the page's own name).
    case unknownHost(String, source: String?, at: Date)
    /// An active device's newest certificate, still valid and not renewed, has used `lifetimeUsed`
    /// (0…1) of its lifetime: the hub's periodic look at every device.
    case certificateAging(
        DeviceID, household: HouseholdID, serial: String, notAfter: Date, lifetimeUsed: Double, at: Date)
    /// An access token was issued to an OAuth client.
    case tokenIssued(client: String, household: HouseholdID, at: Date)
    /// Publishes and subscriptions refused by the policy to one client over a window.
    case denials(Suspect, household: HouseholdID, zone: String?, count: Int, sample: String, at: Date)
    /// The policy held a command out of the ordinary for an owner's approval.
    case commandHeld(HeldCommand)
    /// A TLS handshake the hub refused, on HTTPS or MQTT.
    case handshakeRefused(HandshakeRefusal, source: String?, at: Date)
    /// A device's session attached to the broker from `address`.
    case deviceConnected(DeviceID, address: String, at: Date)
    /// A device renewed its certificate, from `source`.
    case renewed(DeviceID, household: HouseholdID, source: String, at: Date)
    /// A device reported firmware with a lower security version than it reported before.
    case firmwareDowngraded(FirmwareChange)
    /// A device reported a published release's version with another image than the release's.
    case firmwareImageMismatch(FirmwareImageMismatch)
}

/// A device's firmware report naming a release the hub published — its model and version — with
/// an image digest that is not the release's: the device runs something its maker did not sign
/// under that name (modified, or built elsewhere), or misreports it.
public struct FirmwareImageMismatch: Sendable, Hashable, Codable {
    public let device: DeviceID
    public let household: HouseholdID
    public let model: String
    public let version: String
    /// The SHA-256 the device reported, and the published release's.
    public let reported: String
    public let released: String
    /// Where the report came from: pairing, renewal, report.
    public let source: String
    public let at: Date

    public init(
        device: DeviceID, household: HouseholdID, model: String, version: String, reported: String, released: String, source: String,
        at: Date
    ) {
        self.device = device
        self.household = household
        self.model = model
        self.version = version
        self.reported = reported
        self.released = released
        self.source = source
        self.at = at
    }
}

/// A device's firmware report that went down in security version (docs/firmware.md).
public struct FirmwareChange: Sendable, Hashable {
    public let device: DeviceID
    public let household: HouseholdID
    public let model: String
    public let from: (version: String, securityVersion: Int64)
    public let to: (version: String, securityVersion: Int64)
    /// Where the report came from: pairing, renewal, report.
    public let source: String
    public let at: Date

    public init(
        device: DeviceID, household: HouseholdID, model: String, from: (String, Int64), to: (String, Int64), source: String, at: Date
    ) {
        self.device = device
        self.household = household
        self.model = model
        self.from = from
        self.to = to
        self.source = source
        self.at = at
    }

    public static func == (a: FirmwareChange, b: FirmwareChange) -> Bool {
        a.device == b.device && a.household == b.household && a.model == b.model && a.from == b.from && a.to == b.to
            && a.source == b.source && a.at == b.at
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(device)
        hasher.combine(at)
    }
}

extension Signal {
    /// A stable name for the kind of signal (metrics).
    public var name: String {
        switch self {
        case .authenticationFailed: "authentication-failure"
        case .credentialInTwoPlaces: "credential-in-two-places"
        case .traffic: "traffic"
        case .flowTraffic: "flow-traffic"
        case .certificateAging: "certificate-aging"
        case .tokenIssued: "token-issued"
        case .unknownHost: "unknown-host"
        case .denials: "denials"
        case .commandHeld: "command-held"
        case .handshakeRefused: "handshake-refused"
        case .deviceConnected: "device-connected"
        case .renewed: "renewal"
        case .firmwareDowngraded: "firmware-downgraded"
        case .firmwareImageMismatch: "firmware-image-mismatch"
        }
    }
}
