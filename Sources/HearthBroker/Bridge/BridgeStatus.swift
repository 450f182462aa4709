import Synchronization

/// Where a ``BridgeLink`` stands, as of its last event.
public struct BridgeStatus: Sendable, Hashable {
    /// Connected and accepted by the broker (its CONNACK arrived).
    public var connected: Bool
    /// Messages waiting to be sent.
    public var queued: Int
    /// Messages sent and not yet acknowledged.
    public var inFlight: Int
    public var acknowledgedTotal: Int
    /// Messages lost: the oldest ones pushed out of a full queue, and any that could never be sent.
    public var droppedTotal: Int
    /// Queued messages removed by ``BridgeLink/discard(tag:)``.
    public var discardedTotal: Int
    /// Why the last connection or attempt failed (or the last message was dropped); it stays
    /// after the link recovers. Never holds a payload or a key.
    public var lastError: String?

    public init(
        connected: Bool = false, queued: Int = 0, inFlight: Int = 0, acknowledgedTotal: Int = 0, droppedTotal: Int = 0,
        discardedTotal: Int = 0, lastError: String? = nil
    ) {
        self.connected = connected
        self.queued = queued
        self.inFlight = inFlight
        self.acknowledgedTotal = acknowledgedTotal
        self.droppedTotal = droppedTotal
        self.discardedTotal = discardedTotal
        self.lastError = lastError
    }
}

/// The status the link's event loop publishes for readers on any thread.
final class BridgeStatusBoard: Sendable {
    private let current = Mutex(BridgeStatus())

    var status: BridgeStatus { current.withLock { $0 } }

    func publish(_ status: BridgeStatus) {
        current.withLock { $0 = status }
    }
}
