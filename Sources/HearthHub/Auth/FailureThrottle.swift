import Foundation
import HearthCore
import HearthStore

/// Slows down guessing: per key (a source address, an account, a household's pairing codes, a
/// client, a device authorization request), after a few free failures each further failure
/// doubles the wait before the next attempt is even checked (``FailureBackOff``).
///
/// The counts are in the database, so every hub node on one PostgreSQL (or every process on one
/// SQLite file) refuses the same keys: an attacker spreading guesses over n nodes gets one budget,
/// not n, and a restart gives none back. Checking costs one read and a refused attempt writes
/// nothing. A failure is best counted inside the transaction that audits it
/// (``recordFailure(_:in:)``), so the count and the evidence commit or fail together.
///
/// One table holds every purpose's counts; `namespace` keeps them apart (a wrong pairing code
/// and a wrong password from one address back off separately).
package struct FailureThrottle: Sendable {
    package let store: Store
    package let backOff: FailureBackOff
    /// Prefixed to every key in the table; empty for password sign-in, whose keys predate it.
    let namespace: String
    let signals: FailureSignals?

    package init(store: Store, namespace: String = "", freeFailures: Int, signals: FailureSignals? = nil) {
        self.store = store
        self.namespace = namespace.isEmpty ? "" : namespace + "|"
        self.backOff = FailureBackOff(freeFailures: freeFailures)
        self.signals = signals
    }

    /// The failures counted for `keys`, read together; a key without failures is absent.
    package func counts(_ keys: [String]) async throws -> [String: FailureCount] {
        let namespace = self.namespace
        let found = try await store.read { db in try await db.signInFailures.counts(keys.map { namespace + $0 }) }
        var counts: [String: FailureCount] = [:]
        for key in keys { counts[key] = found[namespace + key] }
        return counts
    }

    /// Seconds before `count`'s key may try again, by the store's clock; 0 when it may now.
    package func retryAfter(_ count: FailureCount?) -> Int {
        backOff.retryAfter(count.map { [$0] } ?? [], now: store.clock.now)
    }

    /// Seconds to wait before every one of `keys` may try again; 0 when an attempt is allowed now.
    package func retryAfter(_ keys: [String]) async throws -> Int {
        backOff.retryAfter(try await counts(keys).values, now: store.clock.now)
    }

    /// Refuses at once (429 with `Retry-After`) while any of `keys` is backed off; nothing is
    /// written. `what` names what was repeated, for the message.
    package func enforce(_ keys: [String], _ what: String = "failed attempts") async throws {
        let wait = try await retryAfter(keys)
        guard wait == 0 else { throw HearthError.throttled(retryAfter: wait, what) }
    }

    /// The failures counted for `key`, for a limit that ends something (a pending request)
    /// rather than slowing the next attempt down.
    package func failures(_ key: String) async throws -> Int {
        try await counts([key])[key]?.failures ?? 0
    }

    /// Counts a failure against `keys` in `db`'s transaction, stamped by its clock.
    package func recordFailure(_ keys: [String], in db: StoreSession) async throws {
        try await db.signInFailures.recordFailure(keys.map { namespace + $0 }, at: db.clock.now)
        signals?.failed(keys, at: db.clock.now)
    }

    /// Tells detection of a failure that is not counted (its source is backed off already).
    package func signal(_ keys: [String]) {
        signals?.failed(keys, at: store.clock.now)
    }

    /// Counts a failure against `keys` in a transaction of its own.
    package func recordFailure(_ keys: [String]) async throws {
        try await store.write { db in try await recordFailure(keys, in: db) }
    }

    /// Forgets `key`'s failures (the right code, password or proof).
    package func clear(_ key: String) async throws {
        try await store.write { db in try await clear(key, in: db) }
    }

    /// Forgets `key`'s failures in `db`'s transaction — the one that records the success, so a
    /// success costs no write of its own.
    package func clear(_ key: String, in db: StoreSession) async throws {
        try await db.signInFailures.clear(namespace + key)
    }

    /// Forgets counts whose back-off ended long ago (``FailureBackOff/memory``), every
    /// namespace's; run by a `PeriodicService`, so the table holds only what may still matter.
    @discardableResult
    package func sweep() async throws -> Int {
        try await store.write { db in
            try await db.signInFailures.deleteStale(before: backOff.forgettable(before: db.clock.now))
        }
    }
}
