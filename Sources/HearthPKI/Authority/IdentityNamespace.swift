import HearthCore

/// The SPIFFE-style names of one household: the URI host its intermediates are constrained to,
/// and the identity URIs of its devices and hub.
///
/// RFC 5280 URI name constraints (and every verifier that implements them, openssl included)
/// compare only a URI's host, so each household is its own host under the hub's trust domain:
/// `spiffe://<household-hex>.<trust-domain>/household/<household-id>/device/<device-id>`. The
/// path keeps the DESIGN.md form for policies to read; the host is what lets a plain TLS stack
/// refuse a name from another household. The household id's 16 bytes are written in lowercase
/// hex because hosts compare case-insensitively and base64url ids differ by case.
public struct IdentityNamespace: Sendable, Hashable {
    public let trustDomain: String
    public let householdID: HouseholdID

    public init(trustDomain: String, householdID: HouseholdID) {
        self.trustDomain = trustDomain
        self.householdID = householdID
    }

    public var host: String {
        let bytes = Base64URL.decode(householdID.rawValue) ?? []
        return "\(bytes.hexString).\(trustDomain)"
    }

    /// Everything the household's CAs may certify starts with this.
    public var prefix: String { "spiffe://\(host)/household/\(householdID)/" }

    public func deviceURI(_ device: DeviceID) -> String { prefix + "device/\(device)" }

    public var hubURI: String { prefix + "hub" }

    /// The path segment of an integration's identity.
    static let integrationSegment = "integration/"

    /// An integration's identity: the OAuth client its certificate stands for.
    public func integrationURI(client: String) -> String { prefix + Self.integrationSegment + client }

    /// The OAuth client an integration URI of this household names, if `uri` is one.
    public func integrationClient(in uri: String) -> String? {
        guard uri.hasPrefix(prefix + Self.integrationSegment) else { return nil }
        let client = uri.dropFirst(prefix.count + Self.integrationSegment.count)
        return !client.isEmpty && !client.contains("/") ? String(client) : nil
    }

    /// Whether `uri` names an integration of some household (a check before any lookup).
    public static func namesIntegration(_ uri: String) -> Bool { uri.contains("/household/") && uri.contains("/" + integrationSegment) }

    /// True when `uri` names something in this household (host and path both checked).
    public func contains(_ uri: String) -> Bool {
        uri.hasPrefix(prefix) && uri.count > prefix.count && !uri.contains("/../") && !uri.hasSuffix("/..")
    }
}
