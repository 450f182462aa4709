/// An error the authorization server reports to an OAuth client, in the vocabulary of the RFCs that
/// define the wire format: RFC 6749 §5.2 (token endpoint), RFC 6750 §3.1 (bearer resources),
/// RFC 9449 §7 (DPoP) and RFC 8628 §3.5 (device authorization).
///
/// ``description`` becomes `error_description` in responses and lands in logs, so it is written for
/// the caller and never repeats a token, secret, code or any other submitted value.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The registered `error` values; the raw value is what goes on the wire.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case invalidToken = "invalid_token"
        case invalidDPoPProof = "invalid_dpop_proof"
        case useDPoPNonce = "use_dpop_nonce"
        case authorizationPending = "authorization_pending"
        case slowDown = "slow_down"
        case expiredToken = "expired_token"
        case insufficientScope = "insufficient_scope"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case unsupportedResponseType = "unsupported_response_type"
        case invalidTarget = "invalid_target"
        /// RFC 9101 §6.3 (from OpenID Connect): request objects are not supported.
        case requestNotSupported = "request_not_supported"
        /// RFC 9101 §6.3: `request_uri` (and so pushed authorization requests) is not supported.
        case requestURINotSupported = "request_uri_not_supported"
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
