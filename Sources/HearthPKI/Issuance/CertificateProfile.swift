/// What a certificate is for, which decides its key usages and how long it may live.
///
/// Lifetimes are short by design: a device renews (a later issue) well before its certificate
/// ends, so a lost key stops working within a day even if nobody revokes it.
public enum CertificateProfile: String, Sendable, CaseIterable {
    /// A device authenticating to the hub (TLS client): 24 h by default, at most 30 days.
    case device
    /// A gateway speaking for devices behind it: client and server TLS, 7 days, at most 30.
    case gateway
    /// A TLS server on the home network (a bridge, a local web UI): 30 days, at most 90.
    case server
    /// An integration such as Home Assistant authenticating to the broker (TLS client): 90 days,
    /// at most 365. Longer than a device's because its MQTT client cannot renew (it reads a
    /// certificate file); what bounds its use is the grant it stands for, whose revocation (or the
    /// certificate's) ends its session at once (docs/home-assistant.md).
    case integration

    public var defaultLifetime: Duration {
        switch self {
        case .device: .seconds(24 * 3600)
        case .gateway: .seconds(7 * 86_400)
        case .server: .seconds(30 * 86_400)
        case .integration: .seconds(90 * 86_400)
        }
    }

    public var maximumLifetime: Duration {
        switch self {
        case .device, .gateway: .seconds(30 * 86_400)
        case .server: .seconds(90 * 86_400)
        case .integration: .seconds(365 * 86_400)
        }
    }

    public var isClient: Bool { self != .server }
    public var isServer: Bool { self == .gateway || self == .server }
}
