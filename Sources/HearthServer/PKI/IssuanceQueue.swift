import HearthCore
import HearthStore

/// Group commit for issuance: signed certificates wait here while the previous transaction
/// commits, then the next transaction records all of them (up to ``maximumBatch``) at once. Every
/// caller still gets its certificate only after its own record and audit entry have committed;
/// batching only shares the cost of the commit and of the audit append.
actor IssuanceQueue {
    let store: Store
    static let maximumBatch = 256
    private var waiting: [(item: CertificateIssuing.Prepared, reply: CheckedContinuation<IssuedCertificate, any Error>)] = []
    private var draining = false

    init(store: Store) { self.store = store }

    func commit(_ item: CertificateIssuing.Prepared) async throws -> IssuedCertificate {
        try await withCheckedThrowingContinuation { reply in
            waiting.append((item, reply))
            guard !draining else { return }
            draining = true
            Task(executorPreference: CommitExecutor.shared) { await self.drain() }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            do {
                let results = try await store.write { db in try await CertificateIssuing.commit(batch.map(\.item), in: db) }
                for (entry, result) in zip(batch, results) { entry.reply.resume(with: result.mapError { $0 }) }
            } catch {
                // The transaction itself failed (for example another hub node took a key first):
                // record the items one by one, so only the one at fault gets the error.
                for entry in batch {
                    do {
                        let result = try await store.write { db in try await CertificateIssuing.commit([entry.item], in: db)[0] }
                        entry.reply.resume(with: result.mapError { $0 })
                    } catch {
                        entry.reply.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
