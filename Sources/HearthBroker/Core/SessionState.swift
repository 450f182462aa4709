import Foundation
import HearthCore
import HearthMQTT

/// A subscription as a session holds it.
struct SubscriptionGrant: Sendable {
    let filter: TopicFilter
    let options: Subscription
    let identifier: UInt32?
}

/// What the broker keeps for a session between connections: its subscriptions, the QoS 1/2
/// messages it has not acknowledged or not yet received, and the inbound QoS 2 packet ids it
/// has not released (so a resent PUBLISH is not routed twice).
struct SessionState: Sendable {
    let household: HouseholdID
    /// Who holds it; nil for a session restored from storage until its client connects again.
    var client: BrokerClient?
    var subscriptions: [String: SubscriptionGrant] = [:]
    /// Oldest first. Bounded by ``BrokerConfiguration/maximumQueuedMessages``.
    var queue: [Delivery] = []
    var awaitingRelease: Set<UInt16> = []
    /// Seconds the session outlives its connection; 0 ends it at disconnect.
    var expiryInterval: UInt32
    var disconnectedAt: Date?
    /// Counts connections, so a will scheduled by one connection is not published after the
    /// session was resumed by another.
    var generation: UInt64 = 0
    /// Its record is in storage (it outlives its connection).
    var stored = false
    /// An app holds it (telemetry may reach it), as its client said at CONNECT or its stored
    /// record says after a restart.
    var app = false

    func snapshot(key: String) -> StoredSession {
        StoredSession(
            key: key, household: household, expiryInterval: expiryInterval,
            disconnectedAt: disconnectedAt, subscriptions: subscriptions.values.map(StoredSubscription.init),
            awaitingRelease: awaitingRelease.sorted(), app: app)
    }
}
