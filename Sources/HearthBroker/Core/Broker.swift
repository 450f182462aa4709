import Foundation
import HearthCore
import HearthMQTT
import Logging
import NIOCore
import Synchronization

/// The broker's shared state: sessions, the subscription index and retained messages, per
/// household. Connections live on their event loops (``MQTTConnection``); this is what they
/// share, behind one lock held only for map lookups and updates — never across I/O or awaits.
public final class Broker: Sendable {
    let configuration: BrokerConfiguration
    let gatekeeper: any BrokerGatekeeper
    let logger: Logger
    let denials: DenialLedger
    let clock = ContinuousClock()
    private let state = Mutex(State())
    /// Devices named as command targets, as the store last said; emptied at every access change
    /// (a generation counter keeps a lookup that straddles the change from storing stale facts).
    private let devices = Mutex<(generation: UInt64, facts: [HouseholdID: [String: DeviceFacts]])>((0, [:]))

    struct State: Sendable {
        var sessions: [String: SessionState] = [:]
        /// Per household: filter text → session key → subscription.
        var subscriptions: [HouseholdID: [String: [String: SubscriptionGrant]]] = [:]
        /// Per household: topic → the retained message.
        var retained: [HouseholdID: [String: BrokerMessage]] = [:]
        var connections = 0
        var lastConnectionID: UInt64 = 0
        var dropped = 0
    }

    public init(configuration: BrokerConfiguration, gatekeeper: any BrokerGatekeeper, logger: Logger) {
        self.configuration = configuration
        self.gatekeeper = gatekeeper
        self.logger = logger
        denials = DenialLedger()
    }

    // MARK: Connections

    /// Counts a new connection in, or refuses it when the broker is full.
    func admitConnection() -> UInt64? {
        state.withLock { state in
            guard state.connections < configuration.maximumConnections else { return nil }
            state.connections += 1
            state.lastConnectionID += 1
            return state.lastConnectionID
        }
    }

    func releaseConnection() {
        state.withLock { $0.connections -= 1 }
    }

    /// Messages dropped because a client's queue was full or it could not take them.
    public var droppedMessages: Int { state.withLock { $0.dropped } }

    func countDropped(_ count: Int = 1) {
        state.withLock { $0.dropped += count }
    }

    // MARK: Sessions

    struct Attached {
        let sessionPresent: Bool
        let resumed: [Delivery]
        let awaitingRelease: Set<UInt16>
        let generation: UInt64
        /// A connection of the same identity that held the session until now.
        let takenOver: ConnectionHandle?
    }

    /// Binds a connection to its session: a new one, or the stored one unless `cleanStart`.
    func attach(_ client: BrokerClient, cleanStart: Bool, expiryInterval: UInt32, connection: ConnectionHandle) -> Attached {
        state.withLock { state in
            let key = client.sessionKey
            var takenOver: ConnectionHandle?
            if let existing = state.sessions[key] {
                takenOver = existing.connection
                if cleanStart { Self.remove(key, from: &state) }
            }
            guard var session = state.sessions[key] else {
                state.sessions[key] = SessionState(client: client, connection: connection, expiryInterval: expiryInterval)
                return Attached(sessionPresent: false, resumed: [], awaitingRelease: [], generation: 0, takenOver: takenOver)
            }
            let resumed = session.queue
            session.queue = []
            session.client = client
            session.connection = connection
            session.expiryInterval = expiryInterval
            session.disconnectedAt = nil
            session.generation += 1
            state.sessions[key] = session
            return Attached(
                sessionPresent: true, resumed: resumed, awaitingRelease: session.awaitingRelease,
                generation: session.generation, takenOver: takenOver)
        }
    }

    /// Unbinds a closed connection. Its unacknowledged and waiting messages go back to the
    /// session for the next connection — unless the session ends now (expiry 0).
    func detach(
        _ key: String, connectionID: UInt64, unacknowledged: [Delivery], awaitingRelease: Set<UInt16>, expiryInterval: UInt32
    ) {
        state.withLock { state in
            guard var session = state.sessions[key], session.connection?.id == connectionID else { return }
            guard expiryInterval > 0 else {
                Self.remove(key, from: &state)
                return
            }
            session.connection = nil
            session.expiryInterval = expiryInterval
            session.disconnectedAt = clock.now
            session.awaitingRelease = awaitingRelease
            let room = max(0, configuration.maximumQueuedMessages - session.queue.count)
            state.dropped += max(0, unacknowledged.count - room)
            session.queue = Array(unacknowledged.prefix(room)) + session.queue
            state.sessions[key] = session
        }
    }

    /// Whether the session was resumed (or ended) since `generation` — then a delayed will is not sent.
    func sessionMoved(_ key: String, since generation: UInt64) -> Bool {
        state.withLock { state in
            guard let session = state.sessions[key] else { return false }
            return session.generation != generation || session.connection != nil
        }
    }

    /// Keeps a QoS 1/2 message for a session whose connection closed while it was on its way.
    func requeue(_ delivery: Delivery, for key: String) {
        state.withLock { state in
            guard var session = state.sessions[key], session.connection == nil else { return }
            guard session.queue.count < configuration.maximumQueuedMessages else {
                state.dropped += 1
                return
            }
            session.queue.append(delivery)
            state.sessions[key] = session
        }
    }

    /// Ends sessions whose expiry has passed since their connection closed.
    public func sweepExpiredSessions() {
        let now = clock.now
        state.withLock { state in
            let expired = state.sessions.filter { _, session in
                guard session.connection == nil, let since = session.disconnectedAt else { return false }
                return since.advanced(by: .seconds(Int64(session.expiryInterval))) <= now
            }
            for key in expired.keys { Self.remove(key, from: &state) }
        }
    }

    private static func remove(_ key: String, from state: inout State) {
        guard let session = state.sessions.removeValue(forKey: key) else { return }
        let household = session.client.household
        for filter in session.subscriptions.keys {
            state.subscriptions[household]?[filter]?[key] = nil
            if state.subscriptions[household]?[filter]?.isEmpty == true { state.subscriptions[household]?[filter] = nil }
        }
    }

    /// Every connected client and its connection.
    func connected() -> [(client: BrokerClient, connection: ConnectionHandle)] {
        state.withLock { state in
            state.sessions.values.compactMap { session in session.connection.map { (session.client, $0) } }
        }
    }

    /// Open sessions and connections, for the log and tests.
    public var counts: (sessions: Int, connections: Int) {
        state.withLock { ($0.sessions.count, $0.connections) }
    }

    // MARK: Subscriptions

    /// Adds (or replaces) subscriptions of a session; returns the retained messages to send.
    func subscribe(_ key: String, household: HouseholdID, _ grants: [SubscriptionGrant]) -> [Delivery] {
        state.withLock { state in
            guard var session = state.sessions[key] else { return [] }
            var deliveries: [Delivery] = []
            for grant in grants {
                let existed = session.subscriptions[grant.filter.text] != nil
                session.subscriptions[grant.filter.text] = grant
                state.subscriptions[household, default: [:]][grant.filter.text, default: [:]][key] = grant
                switch grant.options.retainHandling {
                case .doNotSend: continue
                case .sendOnNewSubscribe where existed: continue
                default: break
                }
                let now = clock.now
                for message in (state.retained[household] ?? [:]).values
                where grant.filter.matches(message.topic) && !message.isExpired(at: now) {
                    deliveries.append(Delivery(
                        message: message, qos: min(message.qos, grant.options.qos), retain: true,
                        subscriptionIdentifiers: grant.identifier.map { [$0] } ?? []))
                }
            }
            state.sessions[key] = session
            return deliveries
        }
    }

    /// Removes subscriptions; for each filter, whether it existed.
    func unsubscribe(_ key: String, household: HouseholdID, _ filters: [String]) -> [Bool] {
        state.withLock { state in
            guard var session = state.sessions[key] else { return filters.map { _ in false } }
            let existed = filters.map { filter in
                guard session.subscriptions.removeValue(forKey: filter) != nil else { return false }
                state.subscriptions[household]?[filter]?[key] = nil
                if state.subscriptions[household]?[filter]?.isEmpty == true { state.subscriptions[household]?[filter] = nil }
                return true
            }
            state.sessions[key] = session
            return existed
        }
    }

    // MARK: Routing

    /// Routes a message to the household's matching subscriptions (one copy per session, at the
    /// highest QoS among its matching subscriptions) and keeps it when it is retained. Returns
    /// how many sessions it reached.
    @discardableResult
    func publish(_ message: BrokerMessage, household: HouseholdID) -> Int {
        var live: [(ConnectionHandle, Delivery)] = []
        let reached = state.withLock { state -> Int in
            if message.retain { Self.retain(message, household: household, in: &state, limit: configuration.maximumRetainedPerHousehold) }
            guard let filters = state.subscriptions[household] else { return 0 }
            var matched: [String: Delivery] = [:]
            for subscribers in filters.values {
                guard let first = subscribers.first?.value, first.filter.matches(message.topic) else { continue }
                for (key, grant) in subscribers {
                    if grant.options.noLocal, key == message.publisher { continue }
                    let qos = min(message.qos, grant.options.qos)
                    let retain = grant.options.retainAsPublished && message.retain
                    let ids = grant.identifier.map { [$0] } ?? []
                    if var existing = matched[key] {
                        existing.qos = max(existing.qos, qos)
                        existing.retain = existing.retain || retain
                        existing.subscriptionIdentifiers += ids
                        matched[key] = existing
                    } else {
                        matched[key] = Delivery(message: message, qos: qos, retain: retain, subscriptionIdentifiers: ids)
                    }
                }
            }
            for (key, delivery) in matched {
                guard var session = state.sessions[key] else { continue }
                if let connection = session.connection {
                    live.append((connection, delivery))
                } else if delivery.qos > .atMostOnce {
                    if session.queue.count < configuration.maximumQueuedMessages {
                        session.queue.append(delivery)
                        state.sessions[key] = session
                    } else {
                        state.dropped += 1
                    }
                }
            }
            return matched.count
        }
        for (connection, delivery) in live { connection.deliver(delivery) }
        return reached
    }

    private static func retain(_ message: BrokerMessage, household: HouseholdID, in state: inout State, limit: Int) {
        if message.payload.readableBytes == 0 {
            state.retained[household]?[message.topic] = nil
            return
        }
        let count = state.retained[household]?.count ?? 0
        guard count < limit || state.retained[household]?[message.topic] != nil else {
            state.dropped += 1
            return
        }
        state.retained[household, default: [:]][message.topic] = message
    }

    // MARK: Command targets

    /// The device a command names, from the cache or else the store (nil: no such device in the household).
    func cachedDevice(_ id: Substring, in household: HouseholdID) -> DeviceFacts? {
        devices.withLock { $0.facts[household]?[String(id)] }
    }

    func lookUpDevice(_ id: Substring, in household: HouseholdID) async -> DeviceFacts? {
        let generation = devices.withLock { $0.generation }
        guard let facts = await gatekeeper.device(id, in: household) else { return nil }
        devices.withLock { cache in
            guard cache.generation == generation else { return }
            cache.facts[household, default: [:]][String(id)] = facts
        }
        return facts
    }

    // MARK: Live cut-off

    /// Asks the gatekeeper whether every connected client is still allowed, and closes the
    /// sessions of those that are not (a revoked certificate or token, a quarantined or
    /// decommissioned device).
    public func revalidate() async {
        devices.withLock { cache in
            cache.generation += 1
            cache.facts = [:]
        }
        let clients = connected()
        guard !clients.isEmpty else { return }
        let refused = await gatekeeper.revalidate(clients.map(\.client))
        for (client, connection) in clients {
            guard let cutoff = refused[client.sessionKey] else { continue }
            logger.notice(
                "closing an MQTT session that is no longer allowed",
                metadata: ["client": "\(client.auditSubject)", "reason": "\(cutoff.text)"])
            connection.terminate(cutoff.reason, cutoff.text)
        }
    }

    /// Closes every connection (shutdown).
    func closeAll() {
        for (_, connection) in connected() { connection.terminate(.serverShuttingDown, "the hub is stopping") }
    }

    /// Writes the denials counted since the last call to the audit log, one entry per client and kind.
    public func flushDenials() async {
        let summaries = denials.drain()
        guard !summaries.isEmpty else { return }
        await gatekeeper.audit(summaries)
    }
}
