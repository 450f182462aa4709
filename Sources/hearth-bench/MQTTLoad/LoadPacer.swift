import HearthCommandLine
import NIOCore

/// Takes turns with an event loop's I/O for the publishers on it that could send more.
///
/// A NIO event loop runs the tasks that are ready until none is left before it polls its sockets
/// again, so a publisher that re-enqueued itself with `execute` whenever it was still writable
/// would starve every read on its loop (its subscribers' deliveries, its own acknowledgements).
/// The pacer runs one round for all waiting publishers, and schedules the next round a moment
/// after this one ended: between rounds the loop is idle, so it polls its sockets.
final class LoadPacer {
    /// Long enough that the next round is not ready when the loop looks for tasks right after this
    /// one, short enough not to matter to throughput.
    private static let gap = TimeAmount.microseconds(200)

    let eventLoop: any EventLoop
    private var waiting: [LoadClient] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `client` has more to send: it is pumped in the next round.
    func wake(_ client: LoadClient) {
        guard !waiting.contains(where: { $0 === client }) else { return }
        waiting.append(client)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().scheduleTask(in: Self.gap) { [self] in round() }
    }

    private func round() {
        scheduled = false
        let clients = waiting
        waiting = []
        for client in clients { client.paced() }
    }
}
