import HearthCore
import HearthStore

/// Group commit: items wait here while the previous transaction commits, then the next
/// transaction records all of them (up to ``maximumBatch``) at once. Every caller still gets its
/// answer only after its own records and audit entry have committed; batching only shares the cost
/// of the commit (and lets `commit` batch its statements). Certificates (``HubPKI``) and OAuth
/// tokens (``AuthorizationServer``) are recorded this way.
package actor GroupCommit<Item: Sendable, Output: Sendable> {
    /// Records a batch in one transaction; one result per item, in order. A thrown error rolls the
    /// whole batch back, and the items are then recorded one by one, so only the one at fault
    /// gets the error.
    package typealias Commit = @Sendable ([Item], StoreSession) async throws -> [Result<Output, any Error>]

    package let store: Store
    private let commit: Commit
    package static var maximumBatch: Int { 256 }
    private var waiting: [(item: Item, reply: CheckedContinuation<Output, any Error>)] = []
    private var draining = false

    package init(store: Store, commit: @escaping Commit) {
        self.store = store
        self.commit = commit
    }

    package func record(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { reply in
            waiting.append((item, reply))
            guard !draining else { return }
            draining = true
            Task(executorPreference: CommitExecutor.shared) { await self.drain() }
        }
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
                        let result = try await store.write { db in try await commit([entry.item], db)[0] }
                        entry.reply.resume(with: result)
                    } catch {
                        entry.reply.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
