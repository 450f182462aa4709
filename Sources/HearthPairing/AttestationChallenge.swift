import Crypto
import Foundation
import HearthCore

/// The hub's zero-touch challenge, stateless: the hub stores nothing when it hands one out, so a
/// stranger asking for challenges cannot fill its database. The 32 bytes carry everything the hub
/// checks when the device comes back:
///
///     expiry (u64 big-endian, milliseconds since 1970) ‖ 8 random bytes ‖ MAC
///
/// where `MAC` is the first 16 bytes of HMAC-SHA256(hub key, "hearth attest challenge v1" ‖ the
/// first 16 bytes). Only the hub can make one (the key never leaves it), none outlives its expiry,
/// and the random part makes each one unique, so the hub can still refuse a second use by
/// remembering the ones that *were* used (until they expire) — rows written only by a pairing that
/// succeeded. The device treats the value as opaque: to it, it is 32 bytes to sign, as before.
public struct AttestationChallenge: Sendable {
    public static let size = 32
    private static let label = Array("hearth attest challenge v1".utf8)
    private static let macSize = 16

    /// The keys that verify a challenge; the first also makes them (the others are the keys of a
    /// rotation under way, so a challenge made just before it still works).
    private let keys: [SymmetricKey]
    public let lifetime: TimeInterval

    public init(keys: [SymmetricKey], lifetime: TimeInterval) {
        precondition(!keys.isEmpty, "a challenge needs a key")
        self.keys = keys
        self.lifetime = lifetime
    }

    /// A new challenge, valid until `now + lifetime`.
    public func make(at now: Date) -> [UInt8] {
        let expiry = UInt64(max(0, now.addingTimeInterval(lifetime).unixMilliseconds))
        let body = withUnsafeBytes(of: expiry.bigEndian, Array.init) + SecureRandom.bytes(8)
        return body + Self.mac(body, keys[0])
    }

    /// How far ahead of this process's clock another hub node's may run (they share the key).
    public static let clockSkew: TimeInterval = 60

    /// When the challenge expires, if the hub made it and it is still valid at `now`; nil
    /// otherwise (forged, altered, expired, or dated further ahead than any hub node hands out —
    /// a clock set back must not stretch a challenge's life).
    public func check(_ challenge: [UInt8], at now: Date) -> Date? {
        guard challenge.count == Self.size else { return nil }
        let body = Array(challenge.prefix(Self.size - Self.macSize))
        let mac = Array(challenge.suffix(Self.macSize))
        guard keys.contains(where: { constantTimeEquals(Self.mac(body, $0), mac) }) else { return nil }
        let millis = body.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard millis <= UInt64(Int64.max) else { return nil }
        let expires = Date(unixMilliseconds: Int64(millis))
        guard now < expires, expires <= now.addingTimeInterval(lifetime + Self.clockSkew) else { return nil }
        return expires
    }

    private static func mac(_ body: [UInt8], _ key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: label + body, using: key).prefix(macSize))
    }
}
