import typealias Foundation.TimeInterval

/// What a zone asks of whoever commands its devices, beyond the scope `devices:control:<zone>`.
/// Locks, alarms and cameras live in `security`: a stolen bearer token must not open a door, so
/// a command there needs proof that the sender holds the key its token is bound to.
public struct ZoneRequirements: Sendable, Hashable {
    /// Commands need a proof of possession: a DPoP proof or the certificate the token is bound to.
    public let proofOfPossession: Bool
    /// A command out of the ordinary — from a commander that never commanded the device, or at an
    /// hour the household does not use — is held for an owner's approval, unless the app's person
    /// proved a second factor within ``stepUpWindow``.
    public let holdsUnusualCommands: Bool
    /// Commands from a commander whose risk score reached this are refused.
    public let maximumRisk: Double?
    public let stepUpWindow: TimeInterval

    public init(proofOfPossession: Bool, holdsUnusualCommands: Bool, maximumRisk: Double?, stepUpWindow: TimeInterval = 600) {
        self.proofOfPossession = proofOfPossession
        self.holdsUnusualCommands = holdsUnusualCommands
        self.maximumRisk = maximumRisk
        self.stepUpWindow = stepUpWindow
    }

    public static let none = ZoneRequirements(proofOfPossession: false, holdsUnusualCommands: false, maximumRisk: nil)
    /// 70 is where detection's risk score calls a suspect high-risk.
    public static let security = ZoneRequirements(proofOfPossession: true, holdsUnusualCommands: true, maximumRisk: 70)

    public static func of(_ zone: Zone) -> ZoneRequirements {
        zone == .security ? .security : .none
    }
}

/// How an app showed, when it connected, that it holds the key its access token is bound to.
public enum Possession: Sendable, Hashable {
    /// A plain bearer token: whoever holds the token can use it.
    case bearer
    /// A DPoP proof (RFC 9449) signed by the key of the token's `cnf.jkt`.
    case dpop(jkt: String)
    /// The certificate of the token's `cnf.x5t#S256`, presented in the TLS handshake.
    case certificate(serial: String)

    public var isProven: Bool { self != .bearer }
}
