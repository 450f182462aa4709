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
    /// How long a batch's write may take before it counts as failed. Longer than any write takes
    /// while its database answers (SQLite's busy wait is 15 s; PostgreSQL's fenced writes give up
    /// a lock within 3 s). A write past it waits on a connection whose other end is gone — a node
    /// cut off mid-transaction, whose server ended the transaction while the news could not reach
    /// it — and would hold every later change of the broker behind it, for good.
    let applyDeadline: Duration

    init(storage: (any BrokerStorage)?, logger: Logger, applyDeadline: Duration = .seconds(20)) {
        self.storage = storage
        self.logger = logger
        self.applyDeadline = applyDeadline
    }

    struct ApplyTimedOut: Error, CustomStringConvertible {
        let deadline: Duration
        var description: String { "the broker's storage did not answer within \(deadline)" }
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
                try await apply(batch, to: storage)
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

    /// `storage.apply(batch)`, or ``ApplyTimedOut`` once ``applyDeadline`` passes: the write is
    /// then left to end (or hang) on its own, and the drainer goes on.
    private func apply(_ batch: [StorageChange], to storage: any BrokerStorage) async throws {
        let deadline = applyDeadline
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<Void, any Error>) in
            let answer = FirstAnswer(reply)
            let timer = Task {
                try? await Task.sleep(for: deadline)
                if !Task.isCancelled { answer.give(.failure(ApplyTimedOut(deadline: deadline))) }
            }
            Task {
                do {
                    try await storage.apply(batch)
                    answer.give(.success(()))
                } catch {
                    answer.give(.failure(error))
                }
                timer.cancel()
            }
        }
    }

    /// A reply given once, by whichever of two tasks gets to it first.
    private final class FirstAnswer: Sendable {
        private let reply: Mutex<CheckedContinuation<Void, any Error>?>

        init(_ reply: CheckedContinuation<Void, any Error>) { self.reply = Mutex(reply) }

        func give(_ result: Result<Void, any Error>) {
            reply.withLock { $0.take() }?.resume(with: result)
        }
    }
}
