import Foundation
import HearthStore
import Synchronization

/// What every TLS handshake and OCSP answer of this process consults: the CAs and the set of
/// revoked serials as of the last revision seen, and cached OCSP responses.
///
/// Mutex (a lock, not a lock-free scheme): NIO's verification callback and the OCSP handler read
/// it synchronously on event loops; the refresher replaces the whole snapshot at once.
package final class LiveTrust: Sendable {
    package struct Snapshot: Sendable {
        package var revision: Int64
        package var authorities: AuthoritySet
        /// Lowercase hex serials of revoked certificates, hub-wide: the unexpired ones as of
        /// `revokedReadInFull`, and every one revoked since.
        package var revoked: RevokedSerials
        package var revokedReadInFull: Date
    }

    private let snapshot: Mutex<Snapshot>
    private let ocspCache: Mutex<[[UInt8]: (response: [UInt8], expires: Date)]> = Mutex([:])
    /// A bound on the cache so a stream of distinct requests cannot grow it without limit.
    package static let maximumCachedResponses = 10_000

    package init(_ initial: Snapshot) { snapshot = Mutex(initial) }

    package var current: Snapshot { snapshot.withLock { $0 } }

    package func replace(_ next: Snapshot) {
        snapshot.withLock { $0 = next }
        ocspCache.withLock { $0.removeAll() }
    }

    package func cachedOCSP(_ request: [UInt8], now: Date) -> [UInt8]? {
        ocspCache.withLock { cache in
            guard let hit = cache[request], hit.expires > now else { return nil }
            return hit.response
        }
    }

    package func cacheOCSP(_ request: [UInt8], response: [UInt8], until expires: Date) {
        ocspCache.withLock { cache in
            if cache.count >= Self.maximumCachedResponses { cache.removeAll() }
            cache[request] = (response, expires)
        }
    }
}
