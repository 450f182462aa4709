import Crypto
import HearthCore

/// The RFC 8705 §3.1 thumbprint of a client certificate, the value of `cnf.x5t#S256`:
/// base64url(SHA-256(DER)).
public func certificateThumbprint(der: some Collection<UInt8>) -> String {
    Base64URL.encode(Array(SHA256.hash(data: Array(der))))
}
