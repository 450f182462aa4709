import Logging
import ServiceLifecycle

/// A housekeeping job run every `interval` until graceful shutdown — the loop the hub's session
/// sweep, audit checkpoints and audit retention share. A failed round is logged and the job
/// tries again next round; it never stops the hub.
package struct PeriodicService: Service {
    /// Used in the log line of a failed round: "<name> failed".
    package let name: String
    package let interval: Duration
    package let logger: Logger
    /// Whether to run one more round after a graceful shutdown (the store is still open then;
    /// after cancellation it may not be, so no round runs).
    package var finalRound = false
    package let round: @Sendable () async throws -> Void

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await runRound()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        if finalRound && !Task.isCancelled { await runRound() }
    }

    private func runRound() async {
        do {
            try await round()
        } catch {
            logger.warning("\(name) failed", metadata: ["error": "\(error)"])
        }
    }
}
