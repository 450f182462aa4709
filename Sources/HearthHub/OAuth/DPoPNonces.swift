import Crypto
import Foundation
import HearthCore

/// Server-provided DPoP nonces (RFC 9449 §8): an HMAC of the current five-minute window under a
/// key derived from the hub's KEK, so nothing is stored and every node of one hub (they share the
/// KEK) accepts the nonces the others hand out; the current and the previous window's nonce are
/// accepted, so a nonce handed out just before a boundary still works.
package struct DPoPNonces: Sendable {
    private let key: SymmetricKey
    package static let window: TimeInterval = 300

    package init(key: SymmetricKey) { self.key = key }

    package func current(at now: Date) -> String { nonce(for: Int64(now.timeIntervalSince1970 / Self.window)) }

    /// The nonces a proof may carry now: this window's and the previous one's.
    package func accepted(at now: Date) -> [String] {
        let step = Int64(now.timeIntervalSince1970 / Self.window)
        return [nonce(for: step), nonce(for: step - 1)]
    }

    private func nonce(for step: Int64) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(String(step).utf8), using: key)))
    }
}
