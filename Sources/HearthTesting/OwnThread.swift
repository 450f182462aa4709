import Foundation

/// Runs long synchronous work (thousands of generated cases, say) on a thread of its own.
///
/// Swift Testing runs suites concurrently on the cooperative pool, which has one thread per core
/// here: a test computing for a minute there leaves the hubs of other tests — whose requests and
/// database transactions continue on the same pool — without a thread, long enough for a client
/// to time out (the same reason ``ProcessRunner`` waits on threads of its own).
public enum OwnThread {
    public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result<Value, any Error> { try work() })
            }.start()
        }
    }
}
