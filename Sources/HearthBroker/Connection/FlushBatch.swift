/// The writes of one event loop made while a connection's input is handled, flushed together
/// when that input is done.
///
/// Reading one client's packets writes to others (a PUBLISH to each subscriber, a PUBACK back):
/// instead of each connection scheduling a task to flush after the tick, which cost an
/// allocation and a trip through the loop's task queue per write, the reading connection
/// flushes every connection written to once its bytes are handled. Writes made at any other
/// time (timers, store decisions, other loops) still schedule their own flush.
final class FlushBatch {
    private var reading = false
    private var written: [MQTTConnection] = []

    /// Runs `handleInput` with writes held for one flush each at its end.
    func collecting(_ handleInput: () -> Void) {
        guard !reading else { return handleInput() }
        reading = true
        handleInput()
        reading = false
        // `reading` is already false: a write made while flushing schedules its own flush.
        let connections = written
        written.removeAll(keepingCapacity: true)
        for connection in connections { connection.flushNow() }
    }

    /// Whether `connection`'s writes are taken by a batch in progress (then it is flushed with it).
    func take(_ connection: MQTTConnection) -> Bool {
        guard reading else { return false }
        written.append(connection)
        return true
    }
}
