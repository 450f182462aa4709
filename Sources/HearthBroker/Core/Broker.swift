import Foundation
import HearthCore
import HearthDetection
import HearthMQTT
import Logging
import NIOCore
import Synchronization

/// The broker's shared state: sessions, the subscription index and retained messages, per
/// household. Connections live on their event loops (``MQTTConnection``); this is what they
/// share, behind one lock held only for map lookups and updates — never across I/O or awaits.
public final class Broker: Sendable {
    public let configuration: BrokerConfiguration
    let gatekeeper: any BrokerGatekeeper
    /// The privacy rules every device's telemetry passes (nil: telemetry is routed as sent).
    let telemetryGate: (any TelemetryGate)?
    /// Where an app's subscriptions and commands note the scope they rest on.
    let scopeUse: ScopeUseLedger?
    let logger: Logger
    let denials: DenialLedger
    /// The broker's writes to storage; a service of the hub's (``BrokerOutbox/run()``).
    public let outbox: BrokerOutbox
    let storage: (any BrokerStorage)?
    /// Which households this node serves when several share them (nil: one node serves all).
    let placement: (any HouseholdPlacement)?
    /// How clients of households served elsewhere are relayed there (with ``placement``).
    let relay: BrokerRelay?
    /// The households this node took and loaded (or is loading), by the claim that loaded them.
    let served = Mutex<[HouseholdID: ServedHousehold]>([:])
    /// The hub's clock: policy decisions, credential and message expiry, session expiry.
    let clock: any HearthClock
    let state = Mutex(State())
    /// Where the broker posts what detection watches (nil: no detection).
    let signals: SignalInbox?
    /// Sources refused at connection (brute-force containment).
    let blocklist: SourceBlocklist?
    /// What the hub learned about commands to `security` devices (nil: no context is weighed).
    let commands: CommandLedger?
    /// Device meters and live credentials (``watch(_:connection:address:)``), behind their own
    /// lock: taken at connect and close and by the harvest, never per message.
    let watched = Mutex(Watched())
    /// Devices named as command targets, as the store last said; emptied at every access change
    /// (a generation counter keeps a lookup that straddles the change from storing stale facts).
    private let devices = Mutex<(generation: UInt64, facts: [HouseholdID: [String: DeviceFacts]])>((0, [:]))

    struct State: Sendable {
        var sessions: [String: SessionState] = [:]
        /// The connection that holds each session, for sessions that have one. Kept beside the
        /// sessions rather than in them: routing reads it for every message, and reading a
        /// session out of the dictionary copies all of it.
        var attached: [String: ConnectionHandle] = [:]
        var subscriptions: [HouseholdID: SubscriptionIndex] = [:]
        /// Per household: topic → the retained message.
        var retained: [HouseholdID: [String: BrokerMessage]] = [:]
        var connections = 0
        var lastConnectionID: UInt64 = 0
        var dropped = 0
        /// The last sequence number given to a stored queued message.
        var lastSequence: Int64 = 0

        mutating func nextSequence() -> Int64 {
            lastSequence += 1
            return lastSequence
        }
    }

    /// A broker whose persistent sessions and retained messages live in `storage` (nil: in
    /// memory only, lost at restart).
    public init(
        configuration: BrokerConfiguration, gatekeeper: any BrokerGatekeeper, storage: (any BrokerStorage)?, logger: Logger,
        clock: any HearthClock = SystemClock(), telemetryGate: (any TelemetryGate)? = nil, signals: SignalInbox? = nil,
        blocklist: SourceBlocklist? = nil, commands: CommandLedger? = nil, scopeUse: ScopeUseLedger? = nil,
        placement: (any HouseholdPlacement)? = nil, relay: BrokerRelay? = nil
    ) {
        self.placement = placement
        self.relay = relay
        self.scopeUse = scopeUse
        self.signals = signals
        self.blocklist = blocklist
        self.commands = commands
        self.clock = clock
        self.configuration = configuration
        self.gatekeeper = gatekeeper
        self.telemetryGate = telemetryGate
        self.storage = storage
        self.logger = logger
        denials = DenialLedger(detection: signals != nil)
        outbox = BrokerOutbox(storage: storage, logger: logger)
    }

    /// Loads the sessions, queues and retained messages stored by the previous run. Sessions come
    /// back disconnected, their expiry counted from now. A broker that shares the households with
    /// other nodes (``placement``) loads each household when it takes it (``serve(_:)``) instead.
    public func restore() async throws {
        guard let storage, placement == nil else { return }
        let stored = try await storage.load(household: nil)
        state.withLock { merge(stored, into: &$0) }
        logger.info(
            "restored the broker's stored state",
            metadata: ["sessions": "\(stored.sessions.count)", "retained": "\(stored.retained.count)"])
    }

    /// Adds stored sessions, their queues and retained messages to the live state.
    func merge(_ stored: StoredBrokerState, into state: inout State) {
        let now = clock.now
        for record in stored.sessions {
            var session = SessionState(household: record.household, expiryInterval: record.expiryInterval)
            session.disconnectedAt = now
            session.stored = true
            session.app = record.app ?? false
            session.awaitingRelease = Set(record.awaitingRelease)
            for grant in record.subscriptions.compactMap(\.grant) {
                session.subscriptions[grant.filter.text] = grant
                state.subscriptions[record.household, default: SubscriptionIndex()].add(grant, for: record.key)
            }
            for (sequence, message) in stored.queued[record.key] ?? [] {
                session.queue.append(message.delivery(storedAs: sequence))
                state.lastSequence = max(state.lastSequence, sequence)
            }
            state.sessions[record.key] = session
        }
        for (household, message) in stored.retained {
            let restored = message.delivery(storedAs: nil).message
            state.retained[household, default: [:]][restored.topic] = restored
        }
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

    var openConnections: Int { state.withLock { $0.connections } }

    /// Messages dropped because a client's queue was full or it could not take them, since the
    /// last call (the housekeeping round logs them).
    public func takeDroppedCount() -> Int {
        state.withLock { state in
            defer { state.dropped = 0 }
            return state.dropped
        }
    }

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
        /// The outbox position to wait for before the CONNACK (the session's record stored).
        let durable: UInt64
    }

    /// Binds a connection to its session: a new one, or the stored one unless `cleanStart`.
    func attach(_ client: BrokerClient, cleanStart: Bool, expiryInterval: UInt32, connection: ConnectionHandle) -> Attached {
        state.withLock { state in
            let key = client.sessionKey
            var takenOver: ConnectionHandle?
            var changes: [StorageChange] = []
            if state.sessions[key] != nil {
                takenOver = state.attached[key]
                if cleanStart { changes += remove(key, from: &state) }
            }
            let present = state.sessions[key] != nil
            var session = state.sessions[key]
                ?? SessionState(household: client.household, client: client, expiryInterval: expiryInterval)
            let resumed = held(session.queue, from: client, in: client.household, changes: &changes)
            session.queue = []
            session.client = client
            session.app = Self.isApp(client)
            state.attached[key] = connection
            session.expiryInterval = expiryInterval
            session.disconnectedAt = nil
            session.generation += 1
            if expiryInterval > 0 {
                session.stored = true
                changes.append(.session(session.snapshot(key: key)))
            }
            state.sessions[key] = session
            let position = outbox.enqueue(changes)
            return Attached(
                sessionPresent: present && !cleanStart, resumed: resumed, awaitingRelease: session.awaitingRelease,
                generation: session.generation, takenOver: takenOver, durable: position)
        }
    }

    /// Unbinds a closed connection. Its unacknowledged and waiting messages go back to the
    /// session for the next connection — unless the session ends now (expiry 0).
    func detach(
        _ key: String, connectionID: UInt64, unacknowledged: [Delivery], awaitingRelease: Set<UInt16>, expiryInterval: UInt32
    ) {
        state.withLock { state in
            guard var session = state.sessions[key], state.attached[key]?.id == connectionID else { return }
            guard expiryInterval > 0 else {
                outbox.enqueue(remove(key, from: &state))
                return
            }
            state.attached[key] = nil
            session.expiryInterval = expiryInterval
            session.disconnectedAt = clock.now
            session.awaitingRelease = awaitingRelease
            let room = max(0, configuration.maximumQueuedMessages - session.queue.count)
            state.dropped += max(0, unacknowledged.count - room)
            // Messages that were on their way to the connection were not stored: they are now.
            var changes: [StorageChange] = []
            let kept = unacknowledged.prefix(room).map { delivery -> Delivery in
                guard delivery.storedAs == nil else { return delivery }
                var stored = delivery
                stored.storedAs = state.nextSequence()
                changes.append(.queued(household: session.household, key: key, sequence: stored.storedAs!, StoredMessage(stored)))
                return stored
            }
            session.queue = kept + session.queue
            session.stored = true
            changes.append(.session(session.snapshot(key: key)))
            state.sessions[key] = session
            outbox.enqueue(changes)
        }
    }

    /// Whether the session was resumed (or ended) since `generation` — then a delayed will is not sent.
    func sessionMoved(_ key: String, since generation: UInt64) -> Bool {
        state.withLock { state in
            guard let session = state.sessions[key] else { return false }
            return session.generation != generation || state.attached[key] != nil
        }
    }

    /// Keeps a QoS 1/2 message for a session whose connection closed while it was on its way.
    func requeue(_ delivery: Delivery, for key: String) {
        state.withLock { state in
            guard var session = state.sessions[key], state.attached[key] == nil else { return }
            guard session.queue.count < configuration.maximumQueuedMessages else {
                state.dropped += 1
                return
            }
            var kept = delivery
            if kept.storedAs == nil {
                kept.storedAs = state.nextSequence()
                outbox.enqueue([.queued(household: session.household, key: key, sequence: kept.storedAs!, StoredMessage(kept))])
            }
            session.queue.append(kept)
            state.sessions[key] = session
        }
    }

    /// A stored message reached its client (acknowledged) or expired: it is not kept any more.
    func settled(_ delivery: Delivery, for client: BrokerClient) {
        guard let sequence = delivery.storedAs else { return }
        outbox.enqueue([.delivered(household: client.household, key: client.sessionKey, sequence: sequence)])
    }

    /// Ends sessions whose expiry has passed since their connection closed.
    public func sweepExpiredSessions() {
        let now = clock.now
        state.withLock { state in
            let expired = state.sessions.filter { key, session in
                guard state.attached[key] == nil, let since = session.disconnectedAt else { return false }
                return since.addingTimeInterval(TimeInterval(session.expiryInterval)) <= now
            }
            outbox.enqueue(expired.keys.flatMap { remove($0, from: &state) })
        }
    }

    /// Ends a session; returns the storage change that deletes its record, if it had one.
    private func remove(_ key: String, from state: inout State) -> [StorageChange] {
        guard let session = state.sessions.removeValue(forKey: key) else { return [] }
        state.attached[key] = nil
        for filter in session.subscriptions.keys {
            state.subscriptions[session.household]?.remove(filter, for: key)
        }
        return session.stored ? [.sessionEnded(household: session.household, key: key)] : []
    }

    /// How the audit log names each of a household's clients connected now (`device:<id>`, …):
    /// what the console shows as "connected".
    public func connectedSubjects(in household: HouseholdID) -> Set<String> {
        state.withLock { state in
            var subjects: Set<String> = []
            for key in state.attached.keys {
                if let client = state.sessions[key]?.client, client.household == household { subjects.insert(client.auditSubject) }
            }
            return subjects
        }
    }

    /// Every connected client and its connection.
    func connected() -> [(client: BrokerClient, connection: ConnectionHandle)] {
        state.withLock { state in
            state.attached.compactMap { key, connection in
                guard let client = state.sessions[key]?.client else { return nil }
                return (client, connection)
            }
        }
    }

    // MARK: Subscriptions

    /// Adds (or replaces) subscriptions of a session; returns the retained messages to send and
    /// the outbox position to wait for before the SUBACK.
    func subscribe(_ key: String, household: HouseholdID, _ grants: [SubscriptionGrant]) -> (retained: [Delivery], durable: UInt64) {
        state.withLock { state in
            guard var session = state.sessions[key] else { return ([], 0) }
            var deliveries: [Delivery] = []
            for grant in grants {
                let existed = session.subscriptions[grant.filter.text] != nil
                session.subscriptions[grant.filter.text] = grant
                state.subscriptions[household, default: SubscriptionIndex()].add(grant, for: key)
                switch grant.options.retainHandling {
                case .doNotSend: continue
                case .sendOnNewSubscribe where existed: continue
                default: break
                }
                let now = clock.now
                for message in (state.retained[household] ?? [:]).values
                where grant.filter.matches(message.topic) && !message.isExpired(at: now)
                    && mayReach(message, session.client, household: household) {
                    deliveries.append(Delivery(
                        message: message, qos: min(message.qos, grant.options.qos), retain: true,
                        subscriptionIdentifiers: grant.identifier.map { [$0] } ?? []))
                }
            }
            state.sessions[key] = session
            return (deliveries, session.stored ? outbox.enqueue([.session(session.snapshot(key: key))]) : 0)
        }
    }

    /// Removes subscriptions; for each filter, whether it existed, and the outbox position to
    /// wait for before the UNSUBACK.
    func unsubscribe(_ key: String, household: HouseholdID, _ filters: [String]) -> (existed: [Bool], durable: UInt64) {
        state.withLock { state in
            guard var session = state.sessions[key] else { return (filters.map { _ in false }, 0) }
            let existed = filters.map { filter in
                guard session.subscriptions.removeValue(forKey: filter) != nil else { return false }
                state.subscriptions[household]?.remove(filter, for: key)
                return true
            }
            state.sessions[key] = session
            return (existed, session.stored ? outbox.enqueue([.session(session.snapshot(key: key))]) : 0)
        }
    }

    // MARK: Routing

    /// Routes a message to the household's matching subscriptions (one copy per session, at the
    /// highest QoS among its matching subscriptions) and keeps it when it is retained. Returns the
    /// outbox position to wait for before acknowledging it to the publisher: QoS 1/2 copies for
    /// persistent sessions (connected or not) and retained messages are stored.
    /// `routedAt`: the time now, if the caller read it (what the copies' expiry is counted from).
    @discardableResult
    func publish(_ message: BrokerMessage, household: HouseholdID, routedAt: Date? = nil) -> (durable: UInt64, congested: [ConnectionHandle]) {
        var live: [(ConnectionHandle, Delivery)] = []
        // Telemetry reaches apps only, and only while its flow's consent stands: asked once here.
        let appsMayReceive = message.flow.map { flow in telemetryGate?.appsMayReceive(flow, household: household) ?? false }
        let position = state.withLock { state -> UInt64 in
            var changes: [StorageChange] = []
            if message.retain, let change = retain(message, household: household, in: &state) { changes.append(change) }
            guard let routes = state.subscriptions[household]?.routes(for: message.topic) else { return outbox.enqueue(changes) }
            for route in routes {
                let key = route.key
                guard let delivery = Self.delivery(of: message, along: route) else { continue }
                if let connection = state.attached[key] {
                    if let appsMayReceive { guard appsMayReceive, connection.isApp else { continue } }
                    var copy = delivery
                    // A persistent session's copy is stored like a queued one, so that one on its
                    // way when the hub dies (kill -9) is sent again after the restart.
                    if delivery.qos > .atMostOnce, state.sessions[key]?.stored == true {
                        copy.storedAs = state.nextSequence()
                        changes.append(.queued(household: household, key: key, sequence: copy.storedAs!, StoredMessage(copy)))
                    }
                    live.append((connection, copy))
                } else if delivery.qos > .atMostOnce, let queued = state.sessions[key]?.queue.count {
                    if let appsMayReceive {
                        // Asked of the session: one restored after a restart has no client until
                        // it connects again, and its telemetry is queued meanwhile.
                        guard appsMayReceive, state.sessions[key]?.app == true else { continue }
                    }
                    guard queued < configuration.maximumQueuedMessages else {
                        state.dropped += 1
                        continue
                    }
                    var copy = delivery
                    if state.sessions[key]?.stored == true {
                        copy.storedAs = state.nextSequence()
                        changes.append(.queued(household: household, key: key, sequence: copy.storedAs!, StoredMessage(copy)))
                    }
                    // Appended in place: a session copied out and written back would copy its queue.
                    state.sessions[key]?.queue.append(copy)
                }
            }
            return outbox.enqueue(changes)
        }
        var congested: [ConnectionHandle] = []
        for (connection, delivery) in live {
            connection.deliver(delivery, routedAt: routedAt)
            if delivery.qos > .atMostOnce, connection.congestion.isCongested { congested.append(connection) }
        }
        return (position, congested)
    }

    /// Whether a tagged telemetry message may reach a client (its flow's consent); untagged
    /// messages reach every subscriber the policy let subscribe.
    private func mayReach(_ message: BrokerMessage, _ client: BrokerClient?, household: HouseholdID) -> Bool {
        guard let flow = message.flow else { return true }
        guard let telemetryGate, let client, Self.isApp(client) else { return false }
        return telemetryGate.appsMayReceive(flow, household: household)
    }

    /// Apps are the only clients that may have telemetry; a device never reads another's.
    static func isApp(_ client: BrokerClient) -> Bool {
        if case .app = client.subject { return true }
        return false
    }

    /// A resumed session's queue without the telemetry its client may no longer have; the
    /// stored copies of those go.
    private func held(_ queue: [Delivery], from client: BrokerClient, in household: HouseholdID, changes: inout [StorageChange]) -> [Delivery] {
        guard queue.contains(where: { $0.message.flow != nil }) else { return queue }
        return queue.filter { delivery in
            if mayReach(delivery.message, client, household: household) { return true }
            if let sequence = delivery.storedAs { changes.append(.delivered(household: household, key: client.sessionKey, sequence: sequence)) }
            return false
        }
    }

    /// One session's copy: the highest QoS and the subscription identifiers of all its matching
    /// subscriptions (MQTT 5 §3.3.4); nil when each of them is No Local and the session published it.
    private static func delivery(of message: BrokerMessage, along route: SubscriptionIndex.Route) -> Delivery? {
        var delivery: Delivery?
        for grant in route.grants {
            if grant.options.noLocal, route.key == message.publisher { continue }
            let qos = min(message.qos, grant.options.qos)
            let retain = grant.options.retainAsPublished && message.retain
            let ids = grant.identifier.map { [$0] } ?? []
            if var existing = delivery {
                existing.qos = max(existing.qos, qos)
                existing.retain = existing.retain || retain
                existing.subscriptionIdentifiers += ids
                delivery = existing
            } else {
                delivery = Delivery(message: message, qos: qos, retain: retain, subscriptionIdentifiers: ids)
            }
        }
        return delivery
    }

    private func retain(_ message: BrokerMessage, household: HouseholdID, in state: inout State) -> StorageChange? {
        if message.payload.readableBytes == 0 {
            guard state.retained[household]?.removeValue(forKey: message.topic) != nil else { return nil }
            return .retained(household: household, topic: message.topic, nil)
        }
        let count = state.retained[household]?.count ?? 0
        guard count < configuration.maximumRetainedPerHousehold || state.retained[household]?[message.topic] != nil else {
            state.dropped += 1
            return nil
        }
        state.retained[household, default: [:]][message.topic] = message
        let stored = Delivery(message: message, qos: message.qos, retain: true, subscriptionIdentifiers: [])
        return .retained(household: household, topic: message.topic, StoredMessage(stored))
    }

    // MARK: Command targets

    /// The device a command names, from the cache or else the store (nil: no such device in the household).
    /// Moves whenever cached device facts are dropped; a decision made on them is good until then.
    var deviceGeneration: UInt64 { devices.withLock { $0.generation } }

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
        cutOff(clients, await gatekeeper.revalidate(clients.map(\.client)))
    }

    /// Closes the sessions presenting a certificate revoked now (or holding a token bound to
    /// one): what a certificate's revocation alone takes away, decided without the store.
    public func cutOffRevokedCertificates() async {
        let clients = connected()
        guard !clients.isEmpty else { return }
        cutOff(clients, gatekeeper.presentingRevokedCertificates(clients.map(\.client)))
    }

    private func cutOff(_ clients: [(client: BrokerClient, connection: ConnectionHandle)], _ refused: [String: Cutoff]) {
        for (client, connection) in clients {
            guard let cutoff = refused[client.sessionKey] else { continue }
            logger.notice(
                "closing an MQTT session that is no longer allowed",
                metadata: ["client": "\(client.auditSubject)", "reason": "\(cutoff.text)"])
            connection.terminate(cutoff.reason, cutoff.text)
        }
    }

    /// Waits until everything in the outbox is written (or failed).
    func settleStorage() async {
        try? await outbox.durable(through: outbox.enqueuedCount)
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
