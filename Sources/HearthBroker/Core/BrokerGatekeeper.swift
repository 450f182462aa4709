import HearthCore
import HearthMQTT

/// What a CONNECT presents: the MQTT fields that can carry credentials and the TLS client
/// certificate chain the handshake verified.
public struct ConnectAttempt: Sendable {
    public let clientID: String
    public let username: String?
    public let password: [UInt8]?
    /// DER, leaf first; empty when the client sent no certificate.
    public let certificateChain: [[UInt8]]
    public let remoteAddress: String?
    /// MQTT 5 enhanced authentication in the CONNECT (method and data), if the client sent it.
    public var authenticationMethod: String?
    public var authenticationData: [UInt8]?
    /// The port the connection arrived on: a DPoP proof names the broker it was made for.
    public var localPort: Int?
    /// Relayed by another hub node, which authenticated it first: a DPoP proof in it was
    /// checked for replay (and recorded) there, so it is not refused here as its own replay.
    public var relayed = false

    public init(
        clientID: String, username: String?, password: [UInt8]?, certificateChain: [[UInt8]], remoteAddress: String?,
        authenticationMethod: String? = nil, authenticationData: [UInt8]? = nil, localPort: Int? = nil
    ) {
        self.clientID = clientID
        self.username = username
        self.password = password
        self.certificateChain = certificateChain
        self.remoteAddress = remoteAddress
        self.authenticationMethod = authenticationMethod
        self.authenticationData = authenticationData
        self.localPort = localPort
    }
}

/// Why a live session is ended: the reason code (MQTT 5 DISCONNECT) and a reason for people.
public struct Cutoff: Sendable, Hashable {
    public let reason: ReasonCode
    public let text: String

    public init(_ reason: ReasonCode, _ text: String) {
        self.reason = reason
        self.text = text
    }
}

public enum ConnectVerdict: Sendable {
    case accepted(BrokerClient)
    /// Refused with a reason code (sent in the CONNACK) and a reason for the log and audit.
    case refused(ReasonCode, String)
}

/// One kind of denial by one client, counted over a window: the audit log gets one entry per
/// summary, however many packets were refused.
public struct DenialSummary: Sendable {
    public let household: HouseholdID
    public let auditSubject: String
    public let action: PolicyAction
    public let code: String
    public let reason: String
    /// The first topic or filter refused in the window.
    public let sample: String
    public let count: Int
}

/// The hub's side of the broker: who a client is, what the store says about a device, whether
/// connected clients are still allowed, and where denials go. The broker decides everything
/// else itself, through ``PolicyEngine``.
public protocol BrokerGatekeeper: Sendable {
    func authenticate(_ attempt: ConnectAttempt) async -> ConnectVerdict
    /// A device of `household` as the policy sees it, or nil if it has no such device.
    func device(_ id: Substring, in household: HouseholdID) async -> DeviceFacts?
    /// Of `clients` (by session key), those that must be disconnected: no longer allowed
    /// (`notAuthorized`), or allowed on facts that changed and must be read again at a new
    /// CONNECT (`administrativeAction`).
    func revalidate(_ clients: [BrokerClient]) async -> [String: Cutoff]
    /// Of `clients`, those presenting a certificate (or holding a token bound to one) that is
    /// revoked now: what a certificate's revocation alone takes away, known without the store.
    func presentingRevokedCertificates(_ clients: [BrokerClient]) -> [String: Cutoff]
    func audit(_ denials: [DenialSummary]) async
}
