import Synchronization

/// Transactions that ran one after another on the writer inside one SQLite transaction, each in
/// its own savepoint, committed together by the last of them. Each waits here until that commit
/// is on disk and returns only then (or fails with it), so nothing is acknowledged early.
final class CommitGroup: Sendable {
    /// What its members notified, delivered once the group has committed.
    let notifications = PendingNotifications()
    private let state = Mutex<(outcome: Result<Void, any Error>?, waiting: [CheckedContinuation<Void, any Error>])>((nil, []))

    func finish(_ outcome: Result<Void, any Error>) {
        let waiting = state.withLock { state in
            state.outcome = outcome
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(with: outcome) }
    }

    func committed() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state in
                if state.outcome == nil { state.waiting.append(continuation) }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
