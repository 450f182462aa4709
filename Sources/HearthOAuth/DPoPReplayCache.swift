import Foundation

/// Remembers DPoP proofs (by key thumbprint and `jti`) until they can no longer be accepted, so a
/// proof is used once (RFC 9449 §11.1).
///
/// Entries are keyed by key and `jti` together: one client cannot use up another's `jti`. When
/// the cache is full of live entries, new proofs are refused rather than older ones forgotten —
/// forgetting would let a captured proof be replayed, refusing only makes the client retry.
public actor DPoPReplayCache {
    private struct Entry: Hashable {
        let jkt: String
        let jti: String
    }

    private let capacity: Int
    private var expiries: [Entry: Date] = [:]
    /// Min-heap on expiry, so expired entries leave in order without scanning everything.
    private var queue: [(until: Date, entry: Entry)] = []

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// True the first time a proof is seen; false for a replay, or when the cache is full.
    /// - Parameter until: when the proof stops being acceptable anyway (its `iat` plus the
    ///   verifier's maximum age and leeway).
    public func firstUse(jti: String, jkt: String, until: Date, now: Date) -> Bool {
        evict(before: now)
        let entry = Entry(jkt: jkt, jti: jti)
        guard expiries[entry] == nil, expiries.count < capacity else { return false }
        expiries[entry] = until
        push((until, entry))
        return true
    }

    public var count: Int { expiries.count }

    private func evict(before now: Date) {
        while let first = queue.first, first.until <= now {
            pop()
            if expiries[first.entry] == first.until { expiries[first.entry] = nil }
        }
    }

    private func push(_ item: (until: Date, entry: Entry)) {
        queue.append(item)
        var child = queue.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard queue[child].until < queue[parent].until else { break }
            queue.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() {
        queue.swapAt(0, queue.count - 1)
        queue.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < queue.count, queue[left].until < queue[smallest].until { smallest = left }
            if right < queue.count, queue[right].until < queue[smallest].until { smallest = right }
            guard smallest != parent else { return }
            queue.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
