import Crypto
import HearthCore

/// The RFC 7638 SHA-256 thumbprint of a public JWK, base64url-encoded: the `jkt` of DPoP
/// (RFC 9449 §6.1).
///
/// Only the required members take part (§3.2), in lexicographic order and without whitespace, so
/// `kid`, `use`, `alg` and anything else in the JWK do not change the thumbprint. EC (`crv`,
/// `kty`, `x`, `y`) and OKP (`crv`, `kty`, `x`, RFC 8037 §2) keys are supported.
public func jwkThumbprint(_ jwk: [String: String]) throws -> String {
    let required: [String]
    switch jwk["kty"] {
    case "EC": required = ["crv", "kty", "x", "y"]
    case "OKP": required = ["crv", "kty", "x"]
    default: throw OAuthError(.invalidRequest, "only EC and OKP keys have a thumbprint here")
    }
    var members: [(name: String, value: String)] = []
    for name in required {
        guard let value = jwk[name] else {
            throw OAuthError(.invalidRequest, "the key lacks the '\(name)' member")
        }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            throw OAuthError(.invalidRequest, "the key's '\(name)' member is not a curve name or base64url")
        }
        members.append((name: name, value: value))
    }
    return thumbprint(members)
}

/// The thumbprint of one of the hub's or a client's ES256 keys.
public func jwkThumbprint(_ jwk: PublicJWK) -> String {
    thumbprint([("crv", jwk.crv), ("kty", jwk.kty), ("x", jwk.x), ("y", jwk.y)])
}

/// `members` must already be the required ones, sorted by name. Every value of a valid EC or OKP
/// key (a curve name, a key type, base64url coordinates) is printable ASCII without `"` or `\`,
/// which JSON writes as is, so the canonical form needs no escaping.
private func thumbprint(_ members: [(name: String, value: String)]) -> String {
    let json = "{" + members.map { "\"\($0.name)\":\"\($0.value)\"" }.joined(separator: ",") + "}"
    return Base64URL.encode(Array(SHA256.hash(data: Array(json.utf8))))
}
