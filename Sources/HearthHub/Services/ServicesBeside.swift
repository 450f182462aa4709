import Logging
import ServiceLifecycle

/// Runs `services` in a `ServiceGroup` of their own while `body` runs, and stops them gracefully
/// when it returns: for a tool that uses a hub's services without serving (a bench, for example),
/// so they work as they do in `hearth serve`.
package func withServicesBeside<Result: Sendable>(
    _ services: [any Service], logger: Logger, _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
