import Foundation
import HearthCore
import HearthStore

/// Password sign-in's back-off, kept in the database so that every hub node on one PostgreSQL
/// (or every process on one SQLite file) refuses the same accounts and addresses: an attacker
/// spreading guesses over n nodes gets one budget, not n.
///
/// Reading costs one query and a refused attempt writes nothing. A failure is counted inside the
/// transaction that audits it (``recordFailure(_:in:)``), so the count and the evidence are one
/// write that commits or fails together.
package struct SharedSignInThrottle: Sendable {
    package let store: Store
    package let backOff: FailureBackOff
    let signals: FailureSignals?

    package init(store: Store, freeFailures: Int, signals: FailureSignals? = nil) {
        self.store = store
        self.backOff = FailureBackOff(freeFailures: freeFailures)
        self.signals = signals
    }

    /// The failures counted for `keys`, read together.
    package func counts(_ keys: [String]) async throws -> [String: FailureCount] {
        try await store.read { db in try await db.signInFailures.counts(keys) }
    }

    /// Seconds before `count`'s key may try again, by the store's clock; 0 when it may now.
    package func retryAfter(_ count: FailureCount?) -> Int {
        backOff.retryAfter(count.map { [$0] } ?? [], now: store.clock.now)
    }

    /// Counts a failure against `keys` in `db`'s transaction, stamped by its clock.
    package func recordFailure(_ keys: [String], in db: StoreSession) async throws {
        try await db.signInFailures.recordFailure(keys, at: db.clock.now)
        signals?.failed(keys, at: db.clock.now)
    }

    package func clear(_ key: String) async throws {
        try await store.write { db in try await db.signInFailures.clear(key) }
    }

    /// Forgets counts whose back-off ended long ago (``FailureBackOff/memory``); run by a
    /// `PeriodicService`, so the table holds only what may still matter.
    @discardableResult
    package func sweep() async throws -> Int {
        try await store.write { db in
            try await db.signInFailures.deleteStale(before: backOff.forgettable(before: db.clock.now))
        }
    }
}
