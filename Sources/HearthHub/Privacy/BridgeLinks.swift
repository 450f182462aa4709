import Foundation
import HearthBroker
import HearthCore
import HearthStore
import Logging
import NIOCore
import Synchronization

/// The hub's links to external brokers (``BridgeLink``), one per household destination, and what
/// each carried: messages and bytes per flow per UTC day, counted as the remote acknowledges
/// them and written to the store (and audited per day) by ``PrivacyService/recordBridged()``.
package final class BridgeLinks: Sendable {
    package struct Key: Hashable, Sendable {
        package let household: HouseholdID
        package let destination: String
    }

    struct Count: Hashable, Sendable {
        let key: Key
        let flow: String
        let day: String
    }

    private struct Link: Sendable {
        let link: BridgeLink
        let row: PrivacyRecords.DestinationRow
        /// The flow tags that may leave on it now.
        var open: Set<String>
    }

    /// What the links' acknowledgements counted: per flow and day for the store, per
    /// destination since the hub started for the metrics.
    private final class Counts: Sendable {
        let daily = Mutex<[Count: (messages: Int64, bytes: Int64)]>([:])
        let sentBytes = Mutex<[Key: Int64]>([:])

        func add(_ count: Count, bytes: Int) {
            sentBytes.withLock { $0[count.key, default: 0] += Int64(bytes) }
            daily.withLock { daily in
                let before = daily[count] ?? (0, 0)
                daily[count] = (before.messages + 1, before.bytes + Int64(bytes))
            }
        }
    }

    private let links = Mutex<[Key: Link]>([:])
    private let counts = Counts()
    private let sealer: KeySealer
    private let group: any EventLoopGroup
    private let clock: any HearthClock
    private let logger: Logger

    package init(sealer: KeySealer, group: any EventLoopGroup, clock: any HearthClock, logger: Logger) {
        self.sealer = sealer
        self.group = group
        self.clock = clock
        self.logger = logger
    }

    static func sealedKeyName(_ key: Key) -> String { "bridge client key \(key.household.rawValue)/\(key.destination)" }

    /// Starts links for new or changed destinations, stops those that went, and drops from each
    /// link's queue the flows that may no longer leave on it (a consent withdrawn).
    func reconcile(_ rows: [PrivacyRecords.DestinationRow], household: HouseholdID?, open: [Key: Set<String>]) async {
        var stopping: [BridgeLink] = []
        var starting: [(Key, PrivacyRecords.DestinationRow)] = []
        links.withLock { links in
            let wanted = Dictionary(rows.map { (Key(household: $0.household, destination: $0.name), $0) }) { first, _ in first }
            for (key, link) in links where household == nil || key.household == household {
                if wanted[key] != link.row {
                    stopping.append(link.link)
                    links[key] = nil
                    continue
                }
                let allowed = open[key] ?? []
                for tag in link.open.subtracting(allowed) { link.link.discard(tag: tag) }
                links[key]?.open = allowed
            }
            for (key, row) in wanted where links[key] == nil { starting.append((key, row)) }
        }
        for link in stopping { await link.stop() }
        for (key, row) in starting {
            do {
                let link = try makeLink(key, row)
                link.start()
                links.withLock { $0[key] = Link(link: link, row: row, open: open[key] ?? []) }
            } catch {
                logger.warning(
                    "a bridge destination could not be started",
                    metadata: ["destination": "\(key.destination)", "error": "\(error)"])
            }
        }
    }

    private func makeLink(_ key: Key, _ row: PrivacyRecords.DestinationRow) throws -> BridgeLink {
        let clientKey = try sealer.open(row.sealedClientKey, name: Self.sealedKeyName(key))
        let destination = Self.destination(
            key, host: row.host, port: row.port, topicPrefix: row.topicPrefix, trustRoots: row.trustRoots,
            clientChain: row.clientChain, clientKey: String(decoding: clientKey, as: UTF8.self))
        let clock = self.clock
        return try BridgeLink(destination: destination, group: group, clock: clock, logger: logger) { [counts] tag, bytes in
            counts.add(Count(key: key, flow: tag, day: Self.day(clock.now)), bytes: bytes)
        }
    }

    /// What a link to a household's destination connects with: its client id says the household.
    static func destination(
        _ key: Key, host: String, port: Int, topicPrefix: String, trustRoots: String, clientChain: String, clientKey: String
    ) -> BridgeDestination {
        BridgeDestination(
            name: key.destination, host: host, port: port, trustRootsPEM: trustRoots, clientCertificateChainPEM: clientChain,
            clientKeyPEM: clientKey, topicPrefix: topicPrefix, clientID: "hearth-\(key.household.rawValue.prefix(8))-\(key.destination)")
    }

    /// Queues a message on a destination's link, when the flow may leave on it. Queued under the
    /// lock a withdrawal takes: a message checked before a withdrawal gets its place in the queue
    /// before that withdrawal's fence, so the withdrawal drops it (``reconcile(_:household:open:)``).
    func forward(_ payload: [UInt8], topic: String, tag: String, to key: Key) {
        links.withLock { links in
            guard let link = links[key], link.open.contains(tag) else { return }
            link.link.forward(topic: topic, payload: payload, tag: tag)
        }
    }

    /// Whether acknowledged messages wait to be written.
    var hasCounts: Bool { counts.daily.withLock { !$0.isEmpty } }

    /// The UTC day the last round saw; a new one means a finished day may need its audit entry.
    private let lastDay = Mutex<String?>(nil)

    func dayChanged(to today: String) -> Bool {
        lastDay.withLock { last in
            defer { last = today }
            return last != today
        }
    }

    /// The counts since the last call, for the store.
    func takeCounts() -> [Count: (messages: Int64, bytes: Int64)] {
        counts.daily.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }

    /// Puts counts back that could not be stored, to be tried again.
    func restore(_ taken: [Count: (messages: Int64, bytes: Int64)]) {
        counts.daily.withLock { counts in
            for (count, value) in taken {
                let before = counts[count] ?? (0, 0)
                counts[count] = (before.messages + value.messages, before.bytes + value.bytes)
            }
        }
    }

    /// Each link's state, for the console and the metrics.
    func statuses(household: HouseholdID?) -> [Key: BridgeStatus] {
        links.withLock { links in
            var statuses: [Key: BridgeStatus] = [:]
            for (key, link) in links where household == nil || key.household == household { statuses[key] = link.link.status }
            return statuses
        }
    }

    /// Bytes each destination acknowledged since the hub started.
    var bytesSent: [Key: Int64] { counts.sentBytes.withLock { $0 } }

    package func stopAll() async {
        let all = links.withLock { links in
            defer { links = [:] }
            return links.values.map(\.link)
        }
        for link in all { await link.stop() }
    }

    static func day(_ time: Date) -> String {
        String(RFC3339.format(time).prefix(10))
    }
}
