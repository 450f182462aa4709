/// Lets one task at a time through work that awaits: a SQLite connection (one transaction on the
/// writer, one read on the reader), a reload of the telemetry rules.
///
/// An actor alone is not enough: work awaits between its steps, and actor reentrancy would let a
/// second one interleave (`BEGIN`s on the same connection; an older snapshot applied after a
/// newer one). Ownership is handed directly from the releasing holder to the next waiter in
/// arrival order.
public actor TurnGate {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Passes the gate straight to the next waiter, if there is one (then true); otherwise the
    /// caller keeps holding it.
    public func handOffIfWaiting() -> Bool {
        guard !waiters.isEmpty else { return false }
        waiters.removeFirst().resume()
        return true
    }

    public func withHeld<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }
}
