import HearthCommandLine
import HearthMQTT
import NIOCore

/// A publisher's side: from the window's start to its end, as many messages as the rate, the
/// in-flight limit (QoS 1) and the connection's writability allow, encoded in ~16 KB batches that
/// go out in one write and flush each.
extension LoadClient {
    /// Starts publishing (publishers) or counting within the window (everyone).
    func begin(_ window: LoadWindow) {
        self.window = window
        guard case .publisher = role, phase == .ready, let context else { return }
        running = true
        timers.append(context.eventLoop.assumeIsolated().scheduleTask(
            deadline: .uptimeNanoseconds(window.start)) { [self] in pump() })
    }

    /// Ends publishing; acknowledgements still count.
    func stopPublishing() {
        running = false
        writeOut()
    }

    func pump() {
        guard running, let context, let window, case .publisher(let topic, _) = role else { return }
        let now = LoadClock.now()
        guard now >= window.start else { return }
        guard now < window.windowEnd else { return stopPublishing() }
        var budget = Self.tickBudget
        var limitedByTick = true
        if settings.rate > 0 {
            let due = UInt64(Double(now - window.start) * settings.rate / 1e9) + 1
            let owed = due > counters.published ? Int(min(due - counters.published, UInt64(Self.tickBudget))) : 0
            if owed < budget { budget = owed; limitedByTick = false }
        }
        if settings.qos == .atLeastOnce {
            let room = max(0, inflightLimit - inflight.count)
            if room < budget { budget = room; limitedByTick = false }
        }
        while budget > 0, context.channel.isWritable {
            while budget > 0, out.readableBytes < Self.chunkBytes {
                publishOne(topic: topic, window: window)
                budget -= 1
            }
            writeOut()
        }
        if settings.rate > 0 {
            scheduleTick(window)
        } else if budget == 0, limitedByTick, context.channel.isWritable {
            pacer.wake(self)
        }
        // Otherwise a PUBACK (channelReadComplete) or writability coming back calls pump again.
    }

    private func publishOne(topic: String, window: LoadWindow) {
        let now = LoadClock.now()
        payload.stamp(time: now, counter: counters.published)
        var packetID: UInt16?
        if settings.qos == .atLeastOnce {
            repeat {
                nextPacketID = nextPacketID == .max ? 1 : nextPacketID + 1
            } while inflight.contains(nextPacketID)
            inflight.insert(nextPacketID)
            packetID = nextPacketID
        }
        MQTTCodec.encode(
            .publish(PublishPacket(topic: topic, payload: payload.buffer, qos: settings.qos, packetID: packetID)),
            version: settings.version, into: &out)
        counters.published += 1
        if window.contains(now) { counters.publishedInWindow += 1 }
    }

    /// The pacer's turn (see ``LoadPacer``).
    func paced() {
        if running { pump() }
    }

    /// Rate-limited publishing wakes when the next message is due, at most once a millisecond.
    private func scheduleTick(_ window: LoadWindow) {
        guard !tickScheduled, let context else { return }
        tickScheduled = true
        let next = window.start + UInt64(Double(counters.published) * 1e9 / settings.rate)
        let deadline = max(next, LoadClock.now() + 1_000_000)
        context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [self] in
            tickScheduled = false
            pump()
        }
    }

    func receivePubAck(_ ack: AckPacket) {
        guard inflight.remove(ack.packetID) != nil else { return fail("a PUBACK for packet id \(ack.packetID), not in flight") }
        counters.acknowledged += 1
        if ack.reasonCode.isFailure { counters.refused += 1 }
    }
}
