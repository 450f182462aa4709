import HearthBroker
import HearthStore
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Wakes the ``AccessWatch`` on a notification sent at the commit of every access change — by
/// any node on PostgreSQL, by this process on SQLite — so a revocation reaches this node's
/// sessions without waiting for the next poll. On SQLite, another process's change (the CLI's)
/// still waits for the poll.
package struct AccessNotifications: Service {
    package let store: Store
    package let watch: AccessWatch
    package let logger: Logger

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await store.engine.listen(AccessChangeRecords.channel) { [watch, logger] in
                        do { try await watch.check() } catch {
                            logger.warning("access watch failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            } catch {
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
                logger.warning("listening for access changes failed; retrying", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }
}
