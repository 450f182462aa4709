import Foundation
import HearthCore
import HearthStore
import Logging
import ServiceLifecycle

/// A lease this node holds: its name and fence, for the writes made under it.
package struct Lease: Sendable, Hashable {
    package let name: String
    package let holder: String
    package let fence: Int64

    /// Throws ``HearthError`` `lease-lost` unless this node still holds the lease under this
    /// fence — called inside the transaction of a write only the holder may make, so a node that
    /// lost its lease (a partition, a pause longer than the lease) cannot commit on stale ownership.
    package func confirm(in db: StoreSession) async throws {
        guard try await db.leases.confirm(name, holder: holder, fence: fence, at: db.clock.now) else {
            throw HearthError(.conflict, code: "lease-lost", "this node no longer holds the lease \(name)")
        }
    }
}

/// The leases of one node (docs/scale-out.md): the work only one node at a time may do — the
/// audit checkpointer, the sweeps, the firmware rollouts — each runs where its lease is held.
///
/// A lease is taken on first use and then renewed by ``run()`` every third of its duration, so
/// it stays with its node while that node is well. A node that cannot renew stops counting on a
/// lease two thirds of its duration after the last renewal (the last third is the margin for
/// clock skew); another node, trying every third of the duration, takes it over at most
/// 4/3 × ``duration`` after its holder's last renewal.
package actor NodeLeases: Service {
    /// This node's name as a lease holder: unique per process, so a restarted node waits for
    /// its earlier self's leases to expire like any other node.
    package nonisolated let node: String
    package nonisolated let duration: TimeInterval
    private let store: Store
    private let logger: Logger
    /// The leases this node asked for, renewed by ``run()``.
    private var wanted: Set<String> = []
    /// Leases taken on demand (a household's MQTT), renewed while held and forgotten once lost:
    /// this node does not try to take them back.
    private var claimed: Set<String> = []
    /// Told of each claimed lease this node lost or stopped counting on, at once.
    private var lossHandler: (@Sendable (String) -> Void)?
    /// Those it holds, and until when (by the store's clock) it may count on each.
    private var held: [String: Held] = [:]

    private struct Held {
        let lease: Lease
        let trustedUntil: Date
    }

    package init(store: Store, node: String, duration: TimeInterval, logger: Logger) {
        self.store = store
        self.node = node
        self.duration = duration
        self.logger = logger
    }

    /// The lease `name` while this node holds it; nil while another node does. Asked for the
    /// first time, it tries to take the lease at once; after that, ``run()`` tries again.
    package func holding(_ name: String) async -> Lease? {
        if wanted.insert(name).inserted { await renew([name]) }
        return trusted(name)
    }

    /// The lease `name` if this node holds it or can take it now (free or expired); nil while
    /// another node holds it. Once taken it is renewed like a wanted lease until it is lost, and
    /// then ``onLoss(_:)``'s handler hears of it.
    package func claim(_ name: String) async -> Lease? {
        if wanted.contains(name) || claimed.contains(name), let lease = trusted(name) { return lease }
        await renew([name])
        guard let lease = trusted(name) else { return nil }
        claimed.insert(name)
        return lease
    }

    /// The lease `name` while this node holds it and may count on it; never tries to take it.
    package func current(_ name: String) -> Lease? {
        trusted(name)
    }

    /// Sets what hears of each claimed lease lost (taken by another node, or not renewed in
    /// time): what was served under it must stop at once.
    package func onLoss(_ handler: @escaping @Sendable (String) -> Void) {
        lossHandler = handler
    }

    /// Renews every wanted lease, in one transaction, a third of their duration apart until
    /// shutdown, then gives them up so another node need not wait for them to expire. Beside it,
    /// a watch gives up each lease the moment it may no longer be counted on, even while a
    /// renewal hangs on an unreachable database.
    package func run() async throws {
        let watch = Task { [duration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(duration / 24))
                self.giveUpLapsed()
            }
        }
        defer { watch.cancel() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await renewWanted()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.duration / 3)) }
        }
        await releaseAll()
    }

    /// Takes or renews every lease this node asked for or claimed (``run()``'s round).
    package func renewWanted() async {
        let names = wanted.union(claimed)
        if !names.isEmpty { await renew(names.sorted()) }
    }

    private func giveUpLapsed() {
        for name in held.keys { _ = trusted(name) }
    }

    /// Takes or renews `names`: what this node may count on until its next renewal.
    private func renew(_ names: [String]) async {
        let asked = store.clock.now
        let node = self.node
        let until = asked.addingTimeInterval(duration)
        do {
            let fences = try await store.write { db in try await db.leases.acquire(names, holder: node, until: until, at: asked) }
            for name in names {
                guard let fence = fences[name] else {
                    drop(name)
                    continue
                }
                let lease = Lease(name: name, holder: node, fence: fence)
                if held[name]?.lease != lease { logger.info("lease taken", metadata: ["lease": "\(name)", "fence": "\(fence)"]) }
                // Counted on for less than it lasts: another node's clock may run ahead of ours by
                // up to the margin, and it judges expiry by its own.
                held[name] = Held(lease: lease, trustedUntil: asked.addingTimeInterval(duration * 2 / 3))
            }
        } catch {
            // The database is unreachable: each lease is counted on until its margin, no longer.
            logger.warning("lease renewal failed", metadata: ["leases": "\(names)", "error": "\(error)"])
            for name in names { _ = trusted(name) }
        }
    }

    /// The lease while it may still be counted on; one that was not renewed in time (the
    /// database unreachable, a renewal stuck on a dead connection) is given up here, at once.
    private func trusted(_ name: String) -> Lease? {
        guard let held = held[name] else { return nil }
        guard held.trustedUntil > store.clock.now else {
            self.held[name] = nil
            logger.notice("lease lapsed: not renewed in time", metadata: ["lease": "\(name)"])
            lost(name)
            return nil
        }
        return held.lease
    }

    private func drop(_ name: String) {
        if held.removeValue(forKey: name) != nil { logger.notice("lease lost", metadata: ["lease": "\(name)"]) }
        lost(name)
    }

    private func lost(_ name: String) {
        if claimed.remove(name) != nil { lossHandler?(name) }
    }

    private func releaseAll() async {
        let leases = held.values.map(\.lease)
        let given = claimed
        (wanted, claimed, held) = ([], [], [:])
        for name in given { lossHandler?(name) }
        guard !leases.isEmpty else { return }
        do {
            try await store.write { db in
                for lease in leases { try await db.leases.release(lease.name, holder: lease.holder, at: db.clock.now) }
            }
        } catch {
            logger.warning("leases not released; they expire by themselves", metadata: ["error": "\(error)"])
        }
    }
}

extension PeriodicService {
    /// A job only one node runs at a time: each round runs only while this node holds the lease
    /// named after the job (taking it when free) and is handed it, to confirm in the transactions
    /// that must not commit after the lease moved.
    package static func leased(
        name: String, leases: NodeLeases, interval: Duration, logger: Logger, finalRound: Bool = false,
        round: @escaping @Sendable (Lease) async throws -> Void
    ) -> PeriodicService {
        PeriodicService(name: name, interval: interval, logger: logger, finalRound: finalRound) {
            guard let held = await leases.holding(name) else { return }
            try await round(held)
        }
    }
}
