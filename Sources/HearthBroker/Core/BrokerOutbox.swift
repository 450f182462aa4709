import Logging
import ServiceLifecycle
import Synchronization

/// The broker's changes to durable storage, in the order it made them, written by one drainer
/// in batches (a batch is whatever arrived while the previous one committed). A caller that must
/// not acknowledge before its change is durable waits for the position of its change.
///
/// The drainer is a `Service` (``run()``) in the hub's `ServiceGroup`, ahead of the listener so
/// that it stops after the listener's connections have ended. Changes made before it starts wait
/// for it; any made after it stopped (a delayed will firing during shutdown) get a drain of their
/// own, so none is left behind. Only one drain runs at a time, which keeps the changes in order.
public final class BrokerOutbox: Service, Sendable {
    private enum Phase {
        case notStarted
        case running(wake: AsyncStream<Void>.Continuation)
        case stopped
    }

    private struct State {
        var pending: [StorageChange] = []
        /// Changes ever enqueued / ever committed (or abandoned after a failed write).
        var enqueued: UInt64 = 0
        var settled: UInt64 = 0
        var phase = Phase.notStarted
        var draining = false
        var waiters: [(position: UInt64, reply: CheckedContinuation<Void, any Error>)] = []

        /// Claims the one drain, if none is under way.
        mutating func claimDrain() -> Bool {
            defer { draining = true }
            return !draining
        }
    }

    static let maximumBatch = 512
    private let storage: (any BrokerStorage)?
    private let logger: Logger
    private let state = Mutex(State())

    init(storage: (any BrokerStorage)?, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    /// Appends changes; returns the position to wait for (``durable(through:)``).
    @discardableResult
    func enqueue(_ changes: [StorageChange]) -> UInt64 {
        guard !changes.isEmpty, storage != nil else { return 0 }
        let (position, wake, drainAlone) = state.withLock { state -> (UInt64, AsyncStream<Void>.Continuation?, Bool) in
            state.pending += changes
            state.enqueued += UInt64(changes.count)
            switch state.phase {
            case .notStarted: return (state.enqueued, nil, false)
            case .running(let wake): return (state.enqueued, wake, false)
            case .stopped: return (state.enqueued, nil, state.claimDrain())
            }
        }
        wake?.yield()
        if drainAlone { Task { await drainClaimed() } }
        return position
    }

    /// Drains whenever changes arrive, until the group stops it; then writes what is left.
    public func run() async throws {
        // One pending wake-up is enough: a drain takes everything that is waiting.
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.phase = .running(wake: wake) }
        // What was enqueued before the service started.
        wake.yield()
        await withGracefulShutdownHandler {
            for await _ in wakeups { await drain() }
        } onGracefulShutdown: {
            wake.finish()
        }
        state.withLock { $0.phase = .stopped }
        await drain()
    }

    /// How many changes were ever enqueued: the position of the latest.
    var enqueuedCount: UInt64 { state.withLock { $0.enqueued } }

    /// Returns once every change up to `position` is committed; throws if its batch failed.
    func durable(through position: UInt64) async throws {
        guard storage != nil, position > 0 else { return }
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<Void, any Error>) in
            let settledNow = state.withLock { state -> Bool in
                guard state.settled < position else { return true }
                state.waiters.append((position, reply))
                return false
            }
            if settledNow { reply.resume() }
        }
    }

    /// Drains unless a drain is under way (which takes what is pending before it ends).
    private func drain() async {
        guard state.withLock({ $0.claimDrain() }) else { return }
        await drainClaimed()
    }

    private func drainClaimed() async {
        while true {
            let batch = state.withLock { state -> [StorageChange] in
                let batch = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard let storage, !batch.isEmpty else { return }
            var failure: (any Error)?
            do {
                try await storage.apply(batch)
            } catch {
                failure = error
                logger.error("the broker could not store its state", metadata: ["error": "\(error)", "changes": "\(batch.count)"])
            }
            let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                state.settled += UInt64(batch.count)
                let settled = state.settled
                let ready = state.waiters.filter { $0.position <= settled }.map(\.reply)
                state.waiters.removeAll { $0.position <= settled }
                return ready
            }
            for reply in ready {
                if let failure { reply.resume(throwing: failure) } else { reply.resume() }
            }
        }
    }
}
