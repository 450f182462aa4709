import HearthCore

/// Where a household's MQTT is served when several hub nodes share the households
/// (docs/scale-out.md): by one node at a time, the holder of the household's lease, so that one
/// broker holds all of a household's sessions, subscriptions and retained messages.
public protocol HouseholdPlacement: Sendable {
    /// This node, when it holds the household's lease or takes it now (free or expired); else
    /// the node that holds it.
    func place(_ household: HouseholdID) async -> HouseholdPlace
}

public enum HouseholdPlace: Sendable, Equatable {
    case here
    /// Another node serves it: its clients' bytes are relayed to `relayAddress` (host:port).
    case elsewhere(node: String, relayAddress: String)
    /// Not known now (the database unreachable, or the holder's address unknown): the client
    /// is refused and tries again.
    case unknown(String)
}
