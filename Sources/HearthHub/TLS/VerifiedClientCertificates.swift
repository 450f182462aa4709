import Crypto
import Foundation
import HearthPKI
import Synchronization
import X509

/// Client certificates a listener has verified in full, by the SHA-256 of their DER encoding.
///
/// A device comes back with the certificate it had — after a Wi-Fi blip, a hub restart, on every
/// MQTT reconnection — and verifying it again in full means parsing it, checking its issuer's
/// signature and hopping to a task and back. What cannot change for the same bytes (the signature,
/// the extensions, the identity inside the issuing CA's household) was checked the first time;
/// what can change is checked on every handshake, on the event loop: the certificate's revocation,
/// its issuer's standing (still a zone CA checked under the current root: rotation or revocation
/// drops it), and the validity periods of the leaf, the issuer and the root at the hub's time. When
/// any of those fails the handshake takes the full path, which gives the verdict.
///
/// Mutex (a lock, not a lock-free scheme): read and written by every event loop's handshakes.
final class VerifiedClientCertificates: Sendable {
    struct Entry: Sendable {
        let serial: String
        let notBefore: Date
        let notAfter: Date
        let issuer: Certificate
    }

    /// Entries at most: past it the cache starts again, so a stream of distinct certificates cannot
    /// grow it without limit (a fleet of 100,000 devices fits).
    static let capacity = 100_000

    private let entries = Mutex<[SHA256Digest: Entry]>([:])

    static func key(_ der: [UInt8]) -> SHA256Digest { SHA256.hash(data: der) }

    /// True when `key` names a certificate verified before that still stands, by `pki` at `now`.
    func stillPasses(_ key: SHA256Digest, pki: HubPKI, now: Date) -> Bool {
        guard let entry = entries.withLock({ $0[key] }) else { return false }
        let authorities = pki.authorities
        let root = authorities.root.certificate
        return entry.notBefore <= now && now <= entry.notAfter
            && entry.issuer.notValidBefore <= now && now <= entry.issuer.notValidAfter
            && root.notValidBefore <= now && now <= root.notValidAfter
            && authorities.isClientChainAnchor(entry.issuer)
            && !pki.isRevoked(serial: entry.serial)
    }

    func remember(_ key: SHA256Digest, leaf: Certificate, issuer: Certificate) {
        let entry = Entry(
            serial: SerialNumberText.hex(leaf.serialNumber), notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter,
            issuer: issuer)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = entry
        }
    }
}
