import Synchronization

/// Where every layer posts its signals for the detection engine, which drains them each round.
///
/// Posting takes a lock held for an append; a flood of signals beyond ``capacity`` between two
/// rounds is counted, not kept, so a storm of refusals cannot grow the hub's memory.
public final class SignalInbox: Sendable {
    public static let capacity = 50_000
    private let pending = Mutex<(signals: [Signal], overflow: Int)>(([], 0))

    public init() {}

    public func post(_ signal: Signal) {
        pending.withLock { pending in
            guard pending.signals.count < Self.capacity else {
                pending.overflow += 1
                return
            }
            pending.signals.append(signal)
        }
    }

    /// The signals posted since the last drain, and how many did not fit.
    public func drain() -> (signals: [Signal], overflow: Int) {
        pending.withLock { pending in
            defer { pending = ([], 0) }
            return pending
        }
    }
}
