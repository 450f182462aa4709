import Crypto
import Foundation
import HearthCore

/// OWASP's "device cookie" against account lockout: after a person signs in, the client they used
/// gets a value bound to their email, `hdc_` + base64url(nonce ‖ MAC). A later sign-in that
/// presents it is counted against that client (its own back-off), not against the account, so a
/// stranger's wrong passwords cannot lock the owner out of their usual machine.
///
/// Stateless: the MAC (HMAC-SHA256, truncated to 16 bytes) is under a key derived from the KEK, so
/// every node checks it and nothing is stored; during a KEK rotation the next key's MAC is accepted.
package struct DeviceCookie: Sendable {
    private let keys: [SymmetricKey]
    private static let label = Array("hearth device cookie v1".utf8)
    private static let prefix = "hdc_"

    package init(keys: [SymmetricKey]) {
        precondition(!keys.isEmpty, "a device cookie needs a key")
        self.keys = keys
    }

    /// A new cookie for a client that just proved `email`'s password.
    package func issue(for email: EmailAddress) -> String {
        let nonce = SecureRandom.bytes(16)
        return Self.prefix + Base64URL.encode(nonce + Self.mac(email: email, nonce: nonce, key: keys[0]))
    }

    /// The client's throttle key when `value` is a cookie this hub issued for `email`; nil otherwise
    /// (absent, malformed, forged, or another account's).
    package func client(_ value: String?, email: EmailAddress) -> String? {
        guard let value, value.hasPrefix(Self.prefix), value.utf8.count <= 64,
              let bytes = Base64URL.decode(String(value.dropFirst(Self.prefix.count))), bytes.count == 32
        else { return nil }
        let nonce = Array(bytes[..<16])
        let presented = Array(bytes[16...])
        guard keys.contains(where: { constantTimeEquals(Self.mac(email: email, nonce: nonce, key: $0), presented) })
        else { return nil }
        return "client:" + nonce.hexString
    }

    private static func mac(email: EmailAddress, nonce: [UInt8], key: SymmetricKey) -> [UInt8] {
        let message = label + [0] + Array(email.rawValue.utf8) + [0] + nonce
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(16))
    }
}
