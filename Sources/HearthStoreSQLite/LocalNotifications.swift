import Synchronization

/// SQLite has no LISTEN/NOTIFY: a notification sent in a transaction of this process reaches the
/// listeners of this process, after the commit that made it true (other processes poll).
///
/// A listener is never called twice at once, and notifications that arrive while it runs are
/// merged into one call after it: a burst of commits wakes it once more, not once per commit.
final class LocalNotifications: Sendable {
    private let listeners = Mutex<(next: Int, byID: [Int: (channel: String, wake: AsyncStream<Void>.Continuation)])>((0, [:]))

    /// Calls `onNotification` for the notifications on `channel` until the task is cancelled.
    func listen(_ channel: String, _ onNotification: @Sendable () async -> Void) async {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = listeners.withLock { state in
            state.next += 1
            state.byID[state.next] = (channel, wake)
            return state.next
        }
        defer { _ = listeners.withLock { $0.byID.removeValue(forKey: id) } }
        await withTaskCancellationHandler {
            for await _ in wakes { await onNotification() }
        } onCancel: {
            wake.finish()
        }
    }

    /// Wakes the listeners of `channels` (called once their transaction has committed).
    func deliver(_ channels: Set<String>) {
        guard !channels.isEmpty else { return }
        let woken = listeners.withLock { state in state.byID.values.filter { channels.contains($0.channel) }.map(\.wake) }
        for wake in woken { wake.yield() }
    }
}
