import Foundation
import HearthCore
import HearthDevice
import HearthMQTT
import HearthPairing
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// One device of the fleet: the device SDK's ``VirtualDevice`` (its own key, certificate and state
/// folder; the SDK's pairing, renewal, back-off and jitter) and an MQTT session over mutual TLS
/// that publishes its telemetry, all in this process.
///
/// The run steers it through ``Controls``: stop, hold renewals (a renewal wave), cut it off (a
/// partition without namespaces), decommission. A control that must interrupt the session closes
/// its connection; the device's loop then sees why and acts.
final class SimulatedDevice: Sendable {
    let index: Int
    let kind: Scenario.DeviceKind
    let device: VirtualDevice
    /// The setup secret on its label: kept, because a device re-paired after its certificate
    /// expired pairs with it again.
    let secret: SetupSecret
    /// The device's own clock (a scenario may skew it); it decides when the device renews.
    let clock: SkewedClock
    private let controls = Mutex(Controls())

    struct Controls {
        var deviceID: String?
        var stopping = false
        var decommissioned = false
        /// The in-process partition (the fallback without namespaces): no connection until then.
        var cutOffUntil: ContinuousClock.Instant?
        /// A partition made in the network is in force: what fails meanwhile is counted as
        /// `partitioned`, not as the hub's failure.
        var partitioned = false
        /// When the hub was last heard from on the current session (any packet).
        var lastHeard = ContinuousClock.now
        /// A renewal wave: no renewal until then, and at once after it.
        var renewalsHeldUntil: ContinuousClock.Instant?
        var renewAtOnce = false
        var close: (@Sendable () -> Void)?
        var sequence = 0
        var nextPacketID: UInt16 = 0
        /// QoS 1 messages sent and not yet acknowledged: resent (DUP) on the next session.
        var inflight: [UInt16: (sequence: Int, payload: [UInt8], sent: ContinuousClock.Instant)] = [:]
        var connected = false
        /// The device is ending its session itself (to renew): not an outage.
        var leaving = false
        /// It ended its last session itself, to renew, and is not connected again yet.
        var renewing = false
        var lostAt: ContinuousClock.Instant?
    }

    /// The MQTT keep-alive the device asks for; it gives up on a session when the hub has been
    /// silent this long (a dead link), as MQTT clients do.
    let keepAlive: UInt16

    init(index: Int, kind: Scenario.DeviceKind, folder: URL, source: SocketAddress?, logger: Logger) {
        self.index = index
        self.kind = kind
        keepAlive = UInt16(kind.keepAlive ?? 120)
        self.secret = SetupSecret.generate()
        clock = SkewedClock(offset: kind.clockSkew ?? 0)
        var quiet = logger
        quiet.logLevel = .error
        var device = VirtualDevice(
            stateFolder: folder, backoff: Backoff(),  // the SDK's own: six tries over up to a minute, enough to ride out a hub restart
            requestTimeout: .seconds(20), logger: quiet, clock: clock)
        device.sourceAddress = source
        self.device = device
    }

    var deviceID: String? { controls.withLock { $0.deviceID } }
    var isConnected: Bool { controls.withLock { $0.connected } }

    func set(deviceID: String) { controls.withLock { $0.deviceID = deviceID } }

    /// Why an attempt failed, as the report counts it: `partitioned` when a partition was in
    /// force when it started (`partitionedAtStart`) or ended.
    private func failure(_ error: any Error, partitionedAtStart: Bool) -> String {
        partitionedAtStart || controls.withLock({ $0.partitioned }) ? "partitioned" : FailureReason.of(error)
    }

    /// Applies a control and, when `interrupt`, closes the current session so the loop acts now.
    func control(interrupt: Bool = true, _ change: (inout Controls) -> Void) {
        let close = controls.withLock { state -> (@Sendable () -> Void)? in
            change(&state)
            return interrupt ? state.close : nil
        }
        close?()
    }

    // MARK: The device's life

    /// Until stopped: renew when due, hold an MQTT session and publish telemetry; after any
    /// failure wait as the SDK's back-off says and try again.
    func run(in fleet: FleetContext) async {
        var failures = 0
        while !Task.isCancelled {
            let state = controls.withLock { $0 }
            if state.stopping || state.decommissioned { return }
            let now = ContinuousClock.now
            if let until = state.cutOffUntil, until > now {
                try? await Task.sleep(until: min(until, now + .seconds(5)))
                continue
            }
            do {
                if try await renewIfDue(fleet, state: state) { failures = 0 }
                try await holdSession(fleet)
                failures = 0
            } catch is CancellationError where Task.isCancelled {
                // A cancellation error from below while the loop is not cancelled is a failure like
                // any other: returning would leave the device silent for the rest of the run.
                return
            } catch {
                endRenewing(fleet)
                failures += 1
                var generator = SystemRandomNumberGenerator()
                let wait = device.backoff.delay(after: error, beforeRetry: min(failures, 6), using: &generator)
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Renews when the certificate is due (by the device's own clock, as the SDK decides) or a
    /// renewal wave ended; re-pairs when the certificate expired meanwhile. True when it renewed.
    private func renewIfDue(_ fleet: FleetContext, state: Controls) async throws -> Bool {
        guard let record = try device.record() else { return false }
        let now = fleet.clock.now
        if let held = state.renewalsHeldUntil, held > ContinuousClock.now { return false }
        if record.notAfter <= now {
            try await fleet.repair(self)
            return true
        }
        let due = state.renewAtOnce && Self.windowOpens(record, fleet) <= now || record.hubTime(at: clock.now) >= record.renewAfter
        guard due else { return false }
        let started = ContinuousClock.now
        do {
            _ = try await device.renew()
            fleet.recorder.record(.renewal, milliseconds: started.millisecondsSince)
            controls.withLock { $0.renewAtOnce = false }
            return true
        } catch {
            // A renewal the owner's decommissioning overtook is the owner's decision, not a failure.
            if !controls.withLock({ $0.decommissioned }) {
                fleet.recorder.record(
                    .renewal, milliseconds: started.millisecondsSince, failure: failure(error, partitionedAtStart: state.partitioned))
            }
            throw error
        }
    }

    /// One MQTT session: until it drops, a control interrupts it, or the certificate is due.
    private func holdSession(_ fleet: FleetContext) async throws {
        let (identity, root) = try device.credentials()
        let context = try MQTTLink.context(identity: identity, root: root)
        guard let id = deviceID else { return }
        let connect = ConnectPacket(
            version: .v311, clientID: id, cleanStart: !(kind.persistentSession ?? true), keepAlive: keepAlive)
        let started = ContinuousClock.now
        let partitionedAtStart = controls.withLock { $0.partitioned }
        do {
            try await MQTTLink.session(
                host: fleet.host, port: fleet.mqttPort, source: device.sourceAddress, context: context, connect: connect,
                timeout: .seconds(20)
            ) { _, inbound, outbound, close in
                fleet.recorder.record(.connect, milliseconds: started.millisecondsSince)
                let lostAt = controls.withLock { state -> ContinuousClock.Instant? in
                    state.connected = true
                    state.lastHeard = .now
                    defer { state.lostAt = nil }
                    return state.lostAt
                }
                fleet.recorder.connection(+1)
                endRenewing(fleet)
                if let lostAt { fleet.recorder.reconnected(after: lostAt.secondsUntilNow) }
                controls.withLock { $0.close = close }
                let publisher = Task { await self.publish(fleet, outbound, close: close) }
                defer { publisher.cancel() }
                while let packet = try await inbound.next() {
                    controls.withLock { $0.lastHeard = .now }
                    if case .ack(let ack) = packet, ack.kind == .puback { acknowledged(ack.packetID, fleet) }
                }
            }
            sessionEnded(fleet)
        } catch {
            let wasConnected = controls.withLock { $0.connected }
            if wasConnected {
                sessionEnded(fleet)
            } else {
                fleet.recorder.record(
                    .connect, milliseconds: started.millisecondsSince, failure: failure(error, partitionedAtStart: partitionedAtStart))
                throw error
            }
        }
    }

    /// Counts the session's end; one that ended without the device asking (the hub went away, a
    /// partition) starts the clock the next connection's reconnect time is measured from.
    private func sessionEnded(_ fleet: FleetContext) {
        let (counted, renewing) = controls.withLock { state -> (Bool, Bool) in
            defer { state.connected = false; state.close = nil; state.leaving = false }
            guard state.connected else { return (false, false) }
            if state.leaving {
                state.renewing = true
            } else if !state.stopping, !state.decommissioned, state.lostAt == nil {
                state.lostAt = .now
            }
            return (true, state.leaving)
        }
        if counted { fleet.recorder.connection(-1) }
        if renewing { fleet.recorder.renewing(+1) }
    }

    /// The device is connected again after the session it ended to renew, or that renewal or
    /// the connection after it failed.
    private func endRenewing(_ fleet: FleetContext) {
        let was = controls.withLock { state in
            defer { state.renewing = false }
            return state.renewing
        }
        if was { fleet.recorder.renewing(-1) }
    }

    /// Publishes telemetry every `telemetryEvery` seconds (QoS 1 unacknowledged ones resent first),
    /// and ends the session when the certificate is due, with a DISCONNECT, or when the hub has
    /// been silent for the keep-alive (a PINGREQ asks it after half of that).
    private func publish(
        _ fleet: FleetContext, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, close: @Sendable () -> Void
    ) async {
        do {
            let resend = controls.withLock { state in state.inflight.sorted { $0.key < $1.key } }
            for (packetID, message) in resend {
                try await MQTTLink.send(.publish(PublishPacket(
                    topic: fleet.topic(id: deviceID ?? ""), payload: ByteBuffer(bytes: message.payload),
                    qos: .atLeastOnce, dup: true, packetID: packetID)), to: outbound)
            }
            // Spread the first message over one period, so a fleet that connects together does
            // not publish in the same second forever after.
            var next = ContinuousClock.now + .seconds(kind.telemetryEvery * Double.random(in: 0..<1))
            let keepAlive = Duration.seconds(Int(self.keepAlive))
            var pinged = ContinuousClock.now
            while !Task.isCancelled {
                let renewal = try renewalDue(fleet)
                let wake = kind.telemetryEvery > 0 ? min(next, renewal) : renewal
                try await Task.sleep(until: min(wake, .now + keepAlive / 4))
                if ContinuousClock.now >= renewal {
                    controls.withLock { $0.leaving = true }
                    try await MQTTLink.send(.disconnect(DisconnectPacket()), to: outbound)
                    close()
                    return
                }
                let silent = ContinuousClock.now - controls.withLock { $0.lastHeard }
                if silent >= keepAlive {
                    close()
                    return
                }
                if kind.telemetryEvery > 0, ContinuousClock.now >= next {
                    try await publishReading(fleet, outbound)
                    next += .seconds(kind.telemetryEvery)
                }
                // QoS 0 readings get no answer: a PINGREQ asks whether the hub is still there.
                if silent >= keepAlive / 2, ContinuousClock.now - pinged >= keepAlive / 2 {
                    try await MQTTLink.send(.pingreq, to: outbound)
                    pinged = .now
                }
            }
        } catch {
            // The session ended under it; the reading side sees that too.
        }
    }

    /// When this session should end for a renewal: the device's own renewal time, or at once
    /// when a renewal wave released it.
    private func renewalDue(_ fleet: FleetContext) throws -> ContinuousClock.Instant {
        guard let record = try device.record() else { return .now + .seconds(3600) }
        let state = controls.withLock { $0 }
        if let held = state.renewalsHeldUntil, held > .now { return held }
        if state.renewAtOnce {
            return .now + .seconds(max(0, Self.windowOpens(record, fleet).timeIntervalSince(fleet.clock.now)))
        }
        let seconds = record.renewAfter.timeIntervalSince(record.hubTime(at: clock.now))
        return .now + .seconds(max(0, seconds))
    }

    /// When the hub's renewal window opens for the device's certificate (issued the scenario's
    /// lifetime before its end), plus a second: certificate times are whole seconds, the hub's milliseconds.
    static func windowOpens(_ record: DeviceRecord, _ fleet: FleetContext) -> Date {
        let issuedAt = record.notAfter.addingTimeInterval(-Double(fleet.scenario.hub.certificateLifetime))
        return CertificateValidity.renewalOpens(issuedAt: issuedAt, notAfter: record.notAfter).addingTimeInterval(1)
    }

    private func publishReading(_ fleet: FleetContext, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let qos = kind.qos
        let (sequence, packetID) = controls.withLock { state -> (Int, UInt16) in
            state.sequence += 1
            guard qos == 1 else { return (state.sequence, 0) }
            repeat { state.nextPacketID &+= 1 } while state.nextPacketID == 0 || state.inflight[state.nextPacketID] != nil
            return (state.sequence, state.nextPacketID)
        }
        let payload = Array(#"{"device":\#(index),"seq":\#(sequence),"value":\#(Double(sequence % 100) / 4)}"#.utf8)
        if qos == 1 { controls.withLock { $0.inflight[packetID] = (sequence, payload, .now) } }
        try await MQTTLink.send(.publish(PublishPacket(
            topic: fleet.topic(id: deviceID ?? ""), payload: ByteBuffer(bytes: payload),
            qos: qos == 1 ? .atLeastOnce : .atMostOnce, packetID: qos == 1 ? packetID : nil)), to: outbound)
        if qos == 0 {
            fleet.recorder.record(.publish, milliseconds: 0)
            fleet.recorder.acknowledged(device: index, sequence: sequence, qos: 0)
        }
    }

    private func acknowledged(_ packetID: UInt16, _ fleet: FleetContext) {
        guard let message = controls.withLock({ $0.inflight.removeValue(forKey: packetID) }) else { return }
        fleet.recorder.record(.publish, milliseconds: message.sent.millisecondsSince)
        fleet.recorder.acknowledged(device: index, sequence: message.sequence, qos: 1)
    }
}

/// The device's clock, off by a fixed number of seconds (a scenario's clock skew).
struct SkewedClock: HearthClock {
    let offset: TimeInterval
    private let system = SystemClock()
    var now: Date { system.now.addingTimeInterval(offset) }
}

extension ContinuousClock.Instant {
    var millisecondsSince: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
    var secondsUntilNow: Double { millisecondsSince / 1000 }
}

/// A failure as the report counts it: short and without secrets.
enum FailureReason {
    static func of(_ error: any Error) -> String {
        switch error {
        case let problem as HubProblem where problem.retryAfter != nil && problem.status == 503: "overloaded"
        case let problem as HubProblem where problem.retryAfter != nil && problem.status == 429: "throttled"
        case let problem as HubProblem: "\(problem.status)-\(problem.code)"
        case let transport as HubTransportError: transport.code.rawValue
        case let link as MQTTLink.Failure: link.reason
        case let hearth as HearthError: hearth.code.rawValue
        default: "other"
        }
    }
}
