import Foundation
import Synchronization

/// Source addresses refused at connection until a time: the brute-force containment, which both
/// listeners (HTTPS and MQTT) ask as they accept. The detection service fills it at once when it
/// blocks, and replaces it every round with the blocks in the database (every node's, lifted ones gone).
public final class SourceBlocklist: Sendable {
    private let blocked = Mutex<[String: Date]>([:])

    public init() {}

    public func block(_ address: String, until: Date) {
        blocked.withLock { blocked in blocked[address] = max(until, blocked[address] ?? until) }
    }

    /// Replaces every block with `blocks`.
    public func replace(with blocks: [String: Date]) {
        blocked.withLock { $0 = blocks }
    }

    public func lift(_ address: String) {
        _ = blocked.withLock { $0.removeValue(forKey: address) }
    }

    /// Whether a connection from `address` is refused at `now`.
    public func isBlocked(_ address: String?, at now: Date) -> Bool {
        guard let address else { return false }
        return blocked.withLock { blocked in
            guard let until = blocked[address] else { return false }
            if until > now { return true }
            blocked[address] = nil
            return false
        }
    }

    /// The blocks in force at `now`, soonest to end first.
    public func active(at now: Date) -> [(address: String, until: Date)] {
        blocked.withLock { blocked in blocked.filter { $0.value > now }.map { ($0.key, $0.value) } }.sorted { $0.until < $1.until }
    }
}
