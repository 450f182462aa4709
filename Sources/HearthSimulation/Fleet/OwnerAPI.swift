import Foundation
import HearthCore
import HearthDevice
import HearthPairing
import Logging
import X509

/// The household's owner, as the simulator acts for them: over the hub's public API with a
/// signed-in session, the way the console or a script would.
struct OwnerAPI: Sendable {
    let connection: HubConnection
    let token: String
    /// The same person's hub-operator session (the hub's first owner is its operator): it reads
    /// the hub-wide alerts, about strangers who are in no household.
    let operatorToken: String

    /// Signs in with the owner's password, for the household and as the hub's operator, and
    /// trusts only the hub's root.
    static func signIn(hub: URL, root: Certificate, owner: HubProcess.Owner) async throws -> OwnerAPI {
        let connection = try HubConnection(hub: hub, trust: .pinned(root), timeout: .seconds(30))
        struct SignIn: Encodable {
            let email: String
            let password: String
            let `operator`: Bool
        }
        struct Session: Decodable { let token: String }
        func session(asOperator: Bool) async throws -> String {
            let reply = try await retrying {
                let reply = try await connection.post(
                    "/v1/session", json: SignIn(email: owner.email, password: owner.password, operator: asOperator))
                guard reply.status == 200 || reply.status == 201 else { throw reply.problem }
                return reply
            }
            return try reply.decode(Session.self).token
        }
        return OwnerAPI(
            connection: connection, token: try await session(asOperator: false), operatorToken: try await session(asOperator: true))
    }

    /// The owner's approval of a device to come: its setup secret, as if read off its label.
    func expect(_ secret: SetupSecret, name: String) async throws {
        try await call("POST", "/v1/pairing/expected", json: ["secret": secret.text, "name": name])
    }

    /// Declares a model's telemetry flows (docs/privacy.md).
    func declareFlows(model: String, document: [UInt8]) async throws {
        try await call("POST", "/v1/privacy/flows?scope=model:\(model)", body: document)
    }

    func setModel(device: String, model: String) async throws {
        try await call("PUT", "/v1/privacy/devices/\(device)/model", json: ["model": model])
    }

    func decommission(device: String) async throws {
        try await call("POST", "/v1/devices/\(device)/decommission", json: ["reason": "simulated decommission"])
    }

    /// Registers a confidential client bound to a device's certificate (`tls_client_auth`) and
    /// returns its id.
    func registerDeviceClient(name: String, device: String, scope: String) async throws -> String {
        struct Registration: Encodable {
            let name: String
            let token_endpoint_auth_method = "tls_client_auth"
            let device_id: String
            let scope: String
        }
        struct Registered: Decodable { let client_id: String }
        let body = Array(try JSONEncoder().encode(Registration(name: name, device_id: device, scope: scope)))
        let reply = try await call("POST", "/v1/oauth/clients", body: body)
        return try reply.decode(Registered.self).client_id
    }

    /// Registers a public client (an app on a person's phone) and returns its id.
    func registerPublicClient(name: String, grants: [String], scope: String) async throws -> String {
        struct Registration: Encodable {
            let name: String
            let token_endpoint_auth_method = "none"
            let grant_types: [String]
            let scope: String
        }
        struct Registered: Decodable { let client_id: String }
        let body = Array(try JSONEncoder().encode(Registration(name: name, grant_types: grants, scope: scope)))
        return try await call("POST", "/v1/oauth/clients", body: body).decode(Registered.self).client_id
    }

    /// Alerts raised so far in the household and hub-wide.
    func alertCount() async throws -> Int {
        struct Alerts: Decodable {
            struct Alert: Decodable {}
            let alerts: [Alert]
        }
        let household = try await call("GET", "/v1/alerts?limit=1000", body: nil).decode(Alerts.self).alerts.count
        let hub = try await call("GET", "/v1/hub/alerts?limit=1000", body: nil, token: operatorToken).decode(Alerts.self).alerts.count
        return household + hub
    }

    @discardableResult
    private func call(_ method: String, _ path: String, json: [String: String]) async throws -> HubResponse {
        try await call(method, path, body: Array(try JSONEncoder().encode(json)))
    }

    /// One call, retried as a device would on network trouble and 5xx (a hub busy with ten
    /// thousand handshakes drops a connection now and then).
    @discardableResult
    private func call(_ method: String, _ path: String, body: [UInt8]?, token: String? = nil) async throws -> HubResponse {
        try await Self.retrying {
            let reply = try await connection.send(method, path, body: body, headers: [("Authorization", "Bearer \(token ?? self.token)")])
            guard (200..<300).contains(reply.status) else { throw reply.problem }
            return reply
        }
    }

    static func retrying<Result>(_ operation: () async throws -> Result) async throws -> Result {
        try await Backoff(initialDelay: .milliseconds(500), maximumDelay: .seconds(5), maximumAttempts: 6)
            .run(sleep: { try await Task.sleep(for: $0) }, logger: Logger(label: "hearth.simulation.owner"), "owner call", operation)
    }
}
