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
        let client: BrokerClient
        let meter: TrafficMeter
        var reported: (messages: Int, bytes: Int) = (0, 0)
    }

    /// Per connection: the device meter and the credential it opened with and from where.
    struct Watched: Sendable {
        var meters: [UInt64: Metered] = [:]
        var credentials: [UInt64: (credential: Credential, address: String?, connection: ConnectionHandle)] = [:]
        var lastHarvest: Date?
    }

    /// A connection was bound to its session: its credential is noted (a second live use from
    /// another address is signalled), and a device's traffic is metered from now.
    func watch(_ client: BrokerClient, connection: ConnectionHandle, address: String?) -> TrafficMeter? {
        let credential: Credential? = client.certificateSerial.map { .certificate(serial: $0) } ?? client.tokenID.map { .token(id: $0) }
        // Metered only for detection: without it, a PUBLISH costs nothing more.
        let meter: TrafficMeter? = if signals != nil, case .device = client.subject { TrafficMeter() } else { nil }
        let elsewhere = watched.withLock { watched -> [String] in
            if let meter { watched.meters[connection.id] = Metered(client: client, meter: meter) }
            guard let credential else { return [] }
            let others = watched.credentials.values.filter { $0.credential == credential }.compactMap(\.address)
            watched.credentials[connection.id] = (credential, address, connection)
            guard let address else { return [] }
            return others.filter { $0 != address }
        }
        if let credential, let address, let first = elsewhere.first {
            var zone: String?
            if case .device(let device, _) = client.subject { zone = device.zone.name }
            signals?.post(.credentialInTwoPlaces(
                Suspect(client.auditSubject) ?? Suspect(.app, client.clientID), household: client.household, credential: credential,
                addresses: [first, address], zone: zone, at: clock.now))
        }
        return meter
    }

    /// A connection closed: it is no longer metered, nor a live use of its credential.
    func unwatch(connectionID: UInt64) {
        watched.withLock { watched in
            watched.meters[connectionID] = nil
            watched.credentials[connectionID] = nil
        }
    }

    /// Each metered device's publishes since the last harvest (devices connected on several
    /// connections — a takeover in progress — are summed).
    public func harvestTraffic() -> [TrafficSample] {
        let now = clock.now
        let counts = watched.withLock { watched -> [DeviceID: (client: BrokerClient, messages: Int, bytes: Int)] in
            var counts: [DeviceID: (client: BrokerClient, messages: Int, bytes: Int)] = [:]
            for (id, entry) in watched.meters {
                guard case .device(let device, _) = entry.client.subject else { continue }
                let messages = entry.meter.messages.load(ordering: .relaxed), bytes = entry.meter.bytes.load(ordering: .relaxed)
                watched.meters[id]?.reported = (messages, bytes)
                let sum = counts[device.id] ?? (entry.client, 0, 0)
                counts[device.id] = (sum.client, sum.messages + messages - entry.reported.messages, sum.bytes + bytes - entry.reported.bytes)
            }
            return counts
        }
        let interval = watched.withLock { watched -> TimeInterval in
            defer { watched.lastHarvest = now }
            return watched.lastHarvest.map { now.timeIntervalSince($0) } ?? 0
        }
        guard interval > 0 else { return [] }
        return counts.compactMap { id, count in
            guard case .device(let device, _) = count.client.subject else { return nil }
            return TrafficSample(
                device: id, household: count.client.household, zone: device.zone.name, messages: count.messages,
                bytes: count.bytes, interval: interval, at: now)
        }
    }

    /// Refuses the device's publishes beyond `perSecond` on every connection it has now (0 lifts
    /// the limit). A new connection starts unlimited: the storm it resumes is caught again.
    public func limitRate(of device: DeviceID, perSecond: Int) {
        watched.withLock { watched in
            for entry in watched.meters.values {
                guard case .device(let facts, _) = entry.client.subject, facts.id == device else { continue }
                entry.meter.limit.store(perSecond, ordering: .relaxed)
            }
        }
    }

    /// Ends every session that authenticated with `credential`; returns how many.
    @discardableResult
    public func disconnect(_ credential: Credential, reason: String) -> Int {
        let connections = watched.withLock { watched in
            watched.credentials.values.filter { $0.credential == credential }.map(\.connection)
        }
        for connection in connections { connection.terminate(.administrativeAction, reason) }
        return connections.count
    }

    /// Publishes an alert of `household` on ``MessagingPolicy/alertTopic`` (QoS 1, not retained)
    /// for its owners' apps holding `alerts:read`.
    public func publishAlert(_ payload: [UInt8], household: HouseholdID) {
        let now = clock.now
        publish(BrokerMessage(
            topic: MessagingPolicy.alertTopic, payload: .init(bytes: payload), qos: .atLeastOnce, retain: false, properties: .none,
            expiresAt: now.addingTimeInterval(3600), publisher: "hub:detection", flow: nil), household: household)
    }

    /// Policy denials per client since the last harvest, as detection signals.
    public func harvestDenials() -> [Signal] {
        let now = clock.now
        return denials.drainRecent().map { recent in
            .denials(
                Suspect(recent.auditSubject) ?? Suspect(.app, recent.auditSubject), household: recent.household, zone: recent.zone,
                count: recent.count, sample: recent.sample, at: now)
        }
    }
}
