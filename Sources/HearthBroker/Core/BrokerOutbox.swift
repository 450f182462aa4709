import Logging
import Synchronization

/// The broker's changes to durable storage, in the order it made them, written by one drainer
/// in batches (a batch is whatever arrived while the previous one committed). A caller that must
/// not acknowledge before its change is durable waits for the position of its change.
final class BrokerOutbox: Sendable {
    private struct State {
        var pending: [StorageChange] = []
        /// Changes ever enqueued / ever committed (or abandoned after a failed write).
        var enqueued: UInt64 = 0
        var settled: UInt64 = 0
        var draining = false
        var waiters: [(position: UInt64, reply: CheckedContinuation<Void, any Error>)] = []
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
        let (position, start) = state.withLock { state -> (UInt64, Bool) in
            state.pending += changes
            state.enqueued += UInt64(changes.count)
            defer { state.draining = true }
            return (state.enqueued, !state.draining)
        }
        if start { Task { await drain() } }
        return position
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

    private func drain() async {
        guard let storage else { return }
        while true {
            let batch = state.withLock { state -> [StorageChange] in
                let batch = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
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
