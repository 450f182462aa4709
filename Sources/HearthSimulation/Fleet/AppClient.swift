import Foundation
import HearthDevice

/// An app running on a device the hub certified (a wall panel): an OAuth client bound to that
/// device's certificate (`tls_client_auth`, RFC 8705) that gets tokens by `client_credentials`.
/// The monitor reads the fleet's telemetry with one; a token storm is one asking too often.
struct AppClient: Sendable {
    let host: SimulatedDevice
    let clientID: String
    let scope: String

    /// Pairs the app's host device and registers the client.
    static func make(_ name: String, index: Int, scope: String, in fleet: FleetContext) async throws -> AppClient {
        let host = fleet.makeDevice(
            index: index, kind: Scenario.DeviceKind(name: name, count: 1, telemetryEvery: 0, qos: 0))
        try await fleet.pair(host)
        let clientID = try await fleet.owner.registerDeviceClient(name: "simulator \(name)", device: host.deviceID!, scope: scope)
        return AppClient(host: host, clientID: clientID, scope: scope)
    }

    /// One token request, over a new mutual-TLS connection (a full handshake, as a careless app
    /// makes it). The hub's answer as it came: 200 with a token, 503 shed, or a refusal.
    func requestToken(over connection: HubConnection) async throws -> HubResponse {
        let form = "grant_type=client_credentials&client_id=\(clientID)&scope=\(scope.replacingOccurrences(of: ":", with: "%3A"))"
        return try await connection.send(
            "POST", "/oauth/token", body: Array(form.utf8), contentType: "application/x-www-form-urlencoded")
    }
}
