/// What a zone asks of whoever commands its devices, beyond the scope `devices:control:<zone>`.
/// Locks, alarms and cameras live in `security`: a stolen bearer token must not open a door, so
/// a command there needs proof that the sender holds the key its token is bound to.
public struct ZoneRequirements: Sendable, Hashable {
    /// Commands need a proof of possession: a DPoP proof or the certificate the token is bound to.
    public let proofOfPossession: Bool

    public init(proofOfPossession: Bool) {
        self.proofOfPossession = proofOfPossession
    }

    public static let none = ZoneRequirements(proofOfPossession: false)

    public static func of(_ zone: Zone) -> ZoneRequirements {
        zone == .security ? ZoneRequirements(proofOfPossession: true) : .none
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
