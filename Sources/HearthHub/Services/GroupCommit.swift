import HearthCore
import HearthStore
import ServiceLifecycle

/// Group commit: items wait here while the previous transaction commits, then the next
/// transaction records all of them (up to ``maximumBatch``) at once. Every caller still gets its
/// answer only after its own records and audit entry have committed; batching only shares the cost
/// of the commit (and lets `commit` batch its statements). Certificates (``HubPKI``) and OAuth
/// tokens (``AuthorizationServer``) are recorded this way.
///
/// The batching loop is a `Service` (``run()``), in the hub's one `ServiceGroup`, ahead of the
/// listeners so that it stops after them. While it is not running — an admin command, which
/// records one item, or after the group has stopped it — each item commits alone on its
/// caller's task: batching speeds up a running hub, and no record ever waits for it.
package actor GroupCommit<Item: Sendable, Output: Sendable>: Service {
    /// Records a batch in one transaction; one result per item, in order. A thrown error rolls the
    /// whole batch back, and the items are then recorded one by one, so only the one at fault
    /// gets the error.
    package typealias Commit = @Sendable ([Item], StoreSession) async throws -> [Result<Output, any Error>]

    package let store: Store
    private let commit: Commit
    package static var maximumBatch: Int { 256 }
    private var waiting: [(item: Item, reply: CheckedContinuation<Output, any Error>)] = []
    /// Wakes the running loop; nil while it is not running.
    private var wake: AsyncStream<Void>.Continuation?

    /// Whether the batching loop runs (records wait for it) or not (each commits alone).
    package var isRunning: Bool { wake != nil }

    package init(store: Store, commit: @escaping Commit) {
        self.store = store
        self.commit = commit
    }

    package func record(_ item: Item) async throws -> Output {
        guard let wake else { return try await commitAlone(item) }
        return try await withCheckedThrowingContinuation { reply in
            waiting.append((item, reply))
            wake.yield()
        }
    }

    /// The batching loop, on a thread of its own (``CommitExecutor``), until the group stops it;
    /// what is waiting then is still committed.
    package nonisolated func run() async throws {
        // One pending wake-up is enough: a drain takes everything that is waiting.
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskExecutorPreference(CommitExecutor.shared) {
            await self.started(wake)
            await withGracefulShutdownHandler {
                for await _ in wakeups { await self.drain() }
            } onGracefulShutdown: {
                wake.finish()
            }
            await self.stopped()
        }
    }

    private func started(_ wake: AsyncStream<Void>.Continuation) {
        self.wake = wake
    }

    private func stopped() async {
        wake = nil
        await drain()
    }

    private func drain() async {
        let commit = self.commit
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            do {
                let results = try await store.write { db in try await commit(batch.map(\.item), db) }
                for (entry, result) in zip(batch, results) { entry.reply.resume(with: result) }
            } catch {
                for entry in batch {
                    do {
                        entry.reply.resume(returning: try await commitAlone(entry.item))
                    } catch {
                        entry.reply.resume(throwing: error)
                    }
                }
            }
        }
    }

    private func commitAlone(_ item: Item) async throws -> Output {
        let commit = self.commit
        return try await store.write { db in try await commit([item], db)[0] }.get()
    }
}
