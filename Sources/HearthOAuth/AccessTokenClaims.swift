/// The claims of a JWT access token (RFC 9068 §2.2), kept to what a resource server needs.
///
/// Times are whole seconds since the epoch, as JWT's NumericDate. Swift names follow Swift's
/// conventions; ``CodingKeys`` map them to the registered claim names.
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    /// Binds the token to the key or certificate that must be presented with it
    /// (RFC 7800 §3.1; `jkt` from RFC 9449 §6.1, `x5t#S256` from RFC 8705 §3.1).
    public struct Confirmation: Codable, Sendable, Equatable {
        public var jkt: String?
        public var x5tS256: String?

        public init(jkt: String? = nil, x5tS256: String? = nil) {
            self.jkt = jkt
            self.x5tS256 = x5tS256
        }

        enum CodingKeys: String, CodingKey {
            case jkt
            case x5tS256 = "x5t#S256"
        }
    }

    /// The party acting on behalf of ``AccessTokenClaims/sub`` after a token exchange (RFC 8693 §4.1).
    public struct Actor: Codable, Sendable, Equatable {
        public var sub: String

        public init(sub: String) { self.sub = sub }
    }

    public var iss: String
    public var sub: String
    /// A single audience: tokens here are restricted to one resource server.
    public var aud: String
    public var clientID: String
    /// Space-separated scope tokens, as on the wire (RFC 6749 §3.3).
    public var scope: String
    public var jti: String
    public var iat: Int
    public var exp: Int
    public var cnf: Confirmation?
    public var act: Actor?
    public var authTime: Int?
    public var acr: String?

    public init(
        iss: String, sub: String, aud: String, clientID: String, scope: String, jti: String, iat: Int, exp: Int,
        cnf: Confirmation? = nil, act: Actor? = nil, authTime: Int? = nil, acr: String? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.clientID = clientID
        self.scope = scope
        self.jti = jti
        self.iat = iat
        self.exp = exp
        self.cnf = cnf
        self.act = act
        self.authTime = authTime
        self.acr = acr
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, scope, jti, iat, exp, cnf, act, acr
        case clientID = "client_id"
        case authTime = "auth_time"
    }

    public var scopes: Set<String> {
        Set(scope.split(separator: " ", omittingEmptySubsequences: true).map(String.init))
    }
}
