/// Lets one user at a time use a SQLite connection: one transaction on the writer, one read on
/// the reader.
///
/// An actor alone is not enough: a transaction awaits between its statements, and actor
/// reentrancy would let a second one interleave `BEGIN`s on the same connection. On the reader, a
/// statement that starts while another runs joins that statement's read transaction and sees the
/// database as of *its* start — missing a write that committed just before. Ownership is handed
/// directly from the releasing holder to the next waiter in arrival order.
actor ConnectionGate {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Passes the gate straight to the next waiter, if there is one (then true); otherwise the
    /// caller keeps holding it.
    func handOffIfWaiting() -> Bool {
        guard !waiters.isEmpty else { return false }
        waiters.removeFirst().resume()
        return true
    }

    func withHeld<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
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
