import Foundation
import HearthCore
import HearthStore

/// A token bucket per key (a source address): `burst` requests at once, refilled at `perMinute`.
/// For endpoints where every request, not only a failed one, costs the hub something a stranger
/// should not be able to repeat without bound (a device authorization creates a stored request).
///
/// The buckets are in the database, like ``FailureThrottle``'s counts: every node takes from the
/// same bucket, and a request refused by an empty one changes nothing.
package struct RequestRateLimiter: Sendable {
    let store: Store
    let namespace: String
    let burst: Double
    let perSecond: Double

    package init(store: Store, namespace: String, burst: Int, perMinute: Int) {
        self.store = store
        self.namespace = namespace + "|"
        self.burst = Double(burst)
        self.perSecond = Double(perMinute) / 60
    }

    /// Takes one request from the key's bucket; the seconds to wait when it is empty, else 0.
    package func take(_ key: String) async throws -> Int {
        try await store.write { db in try await db.requestBuckets.take(namespace + key, capacity: burst, perSecond: perSecond, at: db.clock.now) }
    }

    /// Forgets buckets that are full again (a missing bucket is a full one); run by a
    /// `PeriodicService`.
    @discardableResult
    package func sweep() async throws -> Int {
        try await store.write { db in
            try await db.requestBuckets.deleteStale(before: db.clock.now.addingTimeInterval(-burst / perSecond), namespace: namespace)
        }
    }
}
