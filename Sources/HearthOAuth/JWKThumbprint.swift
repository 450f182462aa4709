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
        members.append((name: name, value: value))
    }
    return thumbprint(members)
}

/// The thumbprint of one of the hub's or a client's ES256 keys.
public func jwkThumbprint(_ jwk: PublicJWK) -> String {
    thumbprint([("crv", jwk.crv), ("kty", jwk.kty), ("x", jwk.x), ("y", jwk.y)])
}

/// `members` must already be the required ones, sorted by name.
private func thumbprint(_ members: [(name: String, value: String)]) -> String {
    let json = "{" + members.map { canonicalJSONString($0.name) + ":" + canonicalJSONString($0.value) }.joined(separator: ",") + "}"
    return Base64URL.encode(Array(SHA256.hash(data: Array(json.utf8))))
}

/// A JSON string with only the escapes RFC 8259 §7 requires, as RFC 7638 §3.3 asks.
private func canonicalJSONString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
