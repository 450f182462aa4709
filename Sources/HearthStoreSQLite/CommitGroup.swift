import Synchronization

/// Transactions that ran one after another on the writer inside one SQLite transaction, each in
/// its own savepoint, committed together by the last of them. Each waits here until that commit
/// is on disk and returns only then (or fails with it), so nothing is acknowledged early.
final class CommitGroup: Sendable {
    /// The channels notified by the member running now, and by the members released before it
    /// (delivered once the group has committed): only the gate's holder runs a member, so one
    /// member's set at a time is enough.
    private let notified = Mutex<(member: Set<String>, released: Set<String>)>(([], []))
    private let state = Mutex<(outcome: Result<Void, any Error>?, waiting: [CheckedContinuation<Void, any Error>])>((nil, []))

    func finish(_ outcome: Result<Void, any Error>) {
        let waiting = state.withLock { state in
            state.outcome = outcome
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(with: outcome) }
    }

    /// Notifies `channel` at the group's commit, unless the member running now is rolled back.
    func notify(_ channel: String) {
        _ = notified.withLock { $0.member.insert(channel) }
    }

    /// The member running now has ended: its notifications stay with the group if it was
    /// released, and go with it if it was rolled back.
    func memberEnded(released: Bool) {
        notified.withLock { notified in
            if released { notified.released.formUnion(notified.member) }
            notified.member = []
        }
    }

    /// What the released members notified; taken once the group has committed.
    func takeNotifications() -> Set<String> {
        notified.withLock { notified in
            defer { notified.released = [] }
            return notified.released
        }
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
