import HearthCore
import Logging
import NIOCore

/// The hub's outbound link to one external MQTT broker: MQTT 3.1.1 over TLS with the hub's
/// client certificate, publishing at QoS 1 from a bounded queue, reconnecting with back-off.
///
/// It is the transport only: what may be forwarded, and when a flow must stop, is decided by
/// the caller. It runs a ``BridgeSessionStateMachine`` on one event loop of `group`; every method
/// may be called from any thread. Call ``stop()`` when done: until then the link keeps
/// reconnecting. Payloads and keys are never logged.
public final class BridgeLink: Sendable {
    private let destination: BridgeDestination
    private let eventLoop: any EventLoop
    private let driver: NIOLoopBoundBox<BridgeDriver>
    private let board = BridgeStatusBoard()
    private let withdrawals = BridgeWithdrawals()

    /// Parses and checks the destination's certificates and key (an `invalidInput` error says
    /// which one is wrong); connects only at ``start()``.
    ///
    /// `onAcknowledged` is called on the link's event loop, once per message the broker
    /// acknowledged, with its tag and payload size: it must not block.
    public init(
        destination: BridgeDestination, group: any EventLoopGroup, clock: any HearthClock, logger: Logger,
        onAcknowledged: @escaping @Sendable (_ tag: String, _ bytes: Int) -> Void
    ) throws {
        let tls = try BridgeTLS(destination)
        self.destination = destination
        let eventLoop = group.next()
        self.eventLoop = eventLoop
        let driver = BridgeDriver(
            eventLoop: eventLoop, destination: destination, tls: tls, clock: clock, logger: logger, board: board,
            withdrawals: withdrawals, onAcknowledged: onAcknowledged)
        self.driver = NIOLoopBoundBox.makeBoxSendingValue(driver, as: BridgeDriver.self, eventLoop: eventLoop)
    }

    /// Connects, and keeps the link up until ``stop()``.
    public func start() {
        let driver = self.driver
        eventLoop.execute { driver.value.start() }
    }

    /// Queues a message for `destination.topicPrefix + topic`. When the queue is full the
    /// oldest message is dropped (``BridgeStatus/droppedTotal``), as is a message that could
    /// never be sent (a topic with a wildcard, more than MQTT carries).
    public func forward(topic: String, payload: [UInt8], tag: String) {
        let message = BridgeMessage(
            topic: destination.topicPrefix + topic, payload: ByteBuffer(bytes: payload), tag: tag,
            sequence: withdrawals.nextSequence())
        let driver = self.driver
        eventLoop.execute { driver.value.offer(message) }
    }

    /// Withdraws every message of `tag` forwarded so far and not yet sent: from the moment this
    /// returns none of them leaves the hub. Messages already sent (waiting for their PUBACK) are
    /// not recalled; messages forwarded later are sent as usual.
    public func discard(tag: String) {
        withdrawals.withdraw(tag)
        let driver = self.driver
        eventLoop.execute { driver.value.applyWithdrawals() }
    }

    public var status: BridgeStatus { board.status }

    /// Sends DISCONNECT when connected, closes, and cancels any reconnect. Returns once the
    /// connection is closed, and within about 1.5 s even when the broker does not answer.
    /// Messages still queued are not sent. The link cannot be started again.
    public func stop() async {
        let driver = self.driver
        try? await eventLoop.flatSubmit { driver.value.stop() }.get()
    }
}
