/// Lets one transaction at a time use the SQLite writer connection.
///
/// An actor alone is not enough: a transaction awaits between its statements, and actor
/// reentrancy would let a second one interleave `BEGIN`s on the same connection. Ownership is
/// handed directly from the releasing holder to the next waiter in arrival order.
actor WriterGate {
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
