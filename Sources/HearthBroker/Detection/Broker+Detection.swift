import Foundation
import HearthCore
import HearthDetection
import HearthMQTT
import NIOCore
import Synchronization

/// What the broker tells detection, and the containment detection asks of it: device traffic
/// meters harvested each round, credentials seen live from two addresses, rate limits, and
/// ending every session of a credential.
extension Broker {
    struct Metered: Sendable {
        let device: DeviceFacts
        let household: HouseholdID
        let meter: TrafficMeter
        var reported: (messages: Int, bytes: Int) = (0, 0)
    }

    /// What detection watches of the live connections, by connection id.
    struct Watched: Sendable {
        var meters: [UInt64: Metered] = [:]
        /// Per credential, the connections live with it and where each came from.
        var credentials: [Credential: [UInt64: (address: String?, connection: ConnectionHandle)]] = [:]
        var lastHarvest: Date?
    }

    /// What a connection is watched under: its device's meter and its credential.
    struct Watch: Sendable {
        let meter: TrafficMeter?
        let credential: Credential?
    }

    /// A connection was bound to its session: its credential is noted (a second live use from
    /// another address is signalled), and a device's traffic is metered from now. Nothing is
    /// watched when detection is off: a PUBLISH then costs nothing more.
    func watch(_ client: BrokerClient, connection: ConnectionHandle, address: String?) -> Watch? {
        guard let signals else { return nil }
        let credential: Credential? = client.certificateSerial.map { .certificate(serial: $0) } ?? client.tokenID.map { .token(id: $0) }
        var meter: TrafficMeter?
        if case .device(let device, _) = client.subject { meter = TrafficMeter(device: device, household: client.household) }
        let elsewhere = watched.withLock { watched -> String? in
            if let meter { watched.meters[connection.id] = Metered(device: meter.device, household: meter.household, meter: meter) }
            guard let credential else { return nil }
            let others = watched.credentials[credential, default: [:]]
            watched.credentials[credential, default: [:]][connection.id] = (address, connection)
            return others.values.lazy.compactMap(\.address).first { $0 != address }
        }
        if case .device(let device, _) = client.subject, let address {
            signals.post(.deviceConnected(device.id, address: address, at: clock.now))
        }
        if let credential, let address, let elsewhere {
            signals.post(.credentialInTwoPlaces(
                client.suspect, household: client.household, credential: credential, addresses: [elsewhere, address],
                zone: client.zone, at: clock.now))
        }
        return Watch(meter: meter, credential: credential)
    }

    /// A connection closed: it is no longer metered, nor a live use of its credential.
    func unwatch(_ watch: Watch, connectionID: UInt64) {
        watched.withLock { watched in
            watched.meters[connectionID] = nil
            guard let credential = watch.credential else { return }
            watched.credentials[credential]?[connectionID] = nil
            if watched.credentials[credential]?.isEmpty == true { watched.credentials[credential] = nil }
        }
    }

    /// Each metered device's publishes since the last harvest (devices connected on several
    /// connections — a takeover in progress — are summed).
    public func harvestTraffic() -> [TrafficSample] {
        let now = clock.now
        let (counts, interval) = watched.withLock { watched in
            var counts: [DeviceID: (entry: Metered, messages: Int, bytes: Int)] = [:]
            for (id, entry) in watched.meters {
                let messages = entry.meter.messages.load(ordering: .relaxed), bytes = entry.meter.bytes.load(ordering: .relaxed)
                watched.meters[id]?.reported = (messages, bytes)
                let sum = counts[entry.device.id] ?? (entry, 0, 0)
                counts[entry.device.id] = (entry, sum.messages + messages - entry.reported.messages, sum.bytes + bytes - entry.reported.bytes)
            }
            defer { watched.lastHarvest = now }
            return (counts, watched.lastHarvest.map { now.timeIntervalSince($0) } ?? 0)
        }
        guard interval > 0 else { return [] }
        return counts.map { id, count in
            TrafficSample(
                device: id, household: count.entry.household, zone: count.entry.device.zone.name, messages: count.messages,
                bytes: count.bytes, interval: interval, at: now)
        }
    }

    /// Refuses the device's publishes beyond `perSecond` on every connection it has now (0 lifts
    /// the limit). A new connection starts unlimited: the storm it resumes is caught again.
    public func limitRate(of device: DeviceID, perSecond: Int) {
        watched.withLock { watched in
            for entry in watched.meters.values where entry.device.id == device {
                entry.meter.limit.store(perSecond, ordering: .relaxed)
            }
        }
    }

    /// Ends every session that authenticated with `credential`; returns how many.
    @discardableResult
    public func disconnect(_ credential: Credential, reason: String) -> Int {
        let connections = watched.withLock { watched in watched.credentials[credential]?.values.map(\.connection) ?? [] }
        for connection in connections { connection.terminate(.administrativeAction, reason) }
        return connections.count
    }

    /// Publishes an alert of `household` on ``MessagingPolicy/alertTopic`` (QoS 1, not retained)
    /// for its owners' apps holding `alerts:read`.
    public func publishAlert(_ payload: [UInt8], household: HouseholdID) {
        let now = clock.now
        sendAsHub(BrokerMessage(
            topic: MessagingPolicy.alertTopic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: now.addingTimeInterval(3600), publisher: "hub:detection", flow: nil), household: household)
    }

    /// Policy denials per client since the last harvest, as detection signals.
    public func harvestDenials() -> [Signal] {
        let now = clock.now
        return denials.drainRecent().map { recent in
            .denials(recent.client.suspect, household: recent.client.household, zone: recent.client.zone, count: recent.count, sample: recent.sample, at: now)
        }
    }
}

extension BrokerClient {
    /// Who detection's findings about this client name: `device:<id>`, or the person an app acts for.
    var suspect: Suspect { Suspect(auditSubject) ?? Suspect(.app, clientID) }

    /// A device's zone (detection's thresholds may differ per zone); nil for an app.
    var zone: String? {
        if case .device(let device, _) = subject { return device.zone.name }
        return nil
    }
}
