import struct Foundation.Date
import HearthCore

/// The hub nodes on one database and the address each takes relayed MQTT clients at: the
/// household's lease names its holder, and this says where the holder is (docs/scale-out.md).
public struct HubNodeRecords: Sendable {
    let db: any SQLExecutor

    /// Records (or moves) where `node` takes relayed clients.
    public func advertise(_ node: String, relayAddress: String, at time: Date) async throws {
        try await db.execute(
            "INSERT INTO hub_nodes (name, relay_address, seen_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET relay_address = excluded.relay_address, seen_at = excluded.seen_at",
            node, relayAddress, time.unixMilliseconds)
    }

    /// The holder of the lease `name` while it holds it at `time`, and where it takes relayed clients.
    public func holder(of lease: String, at time: Date) async throws -> (node: String, relayAddress: String)? {
        try await db.first(
            "SELECT leases.holder, hub_nodes.relay_address FROM leases JOIN hub_nodes ON hub_nodes.name = leases.holder"
                + " WHERE leases.name = ? AND leases.expires_at > ?",
            lease, time.unixMilliseconds
        ).map { (try $0.text("holder"), try $0.text("relay_address")) }
    }


    /// How many nodes ever advertised a relay listener.
    public func count() async throws -> Int64 {
        try await db.first("SELECT COUNT(*) AS nodes FROM hub_nodes")?.integer("nodes") ?? 0
    }
}
