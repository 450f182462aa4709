import Foundation
import HearthCore
import HearthDevice
import Synchronization

/// The owner's app that watches the fleet's telemetry: a public OAuth client signed in by the
/// device authorization grant (RFC 8628) — the owner approves its code on the hub's verification
/// page — then kept signed in with its rotating refresh token. Its access token is the MQTT
/// password (docs/mqtt.md: an app connects with a token naming a person).
final class MonitorApp: Sendable {
    let connection: HubConnection
    let clientID: String
    private let refreshToken: Mutex<String>

    private init(connection: HubConnection, clientID: String, refreshToken: String) {
        self.connection = connection
        self.clientID = clientID
        self.refreshToken = Mutex(refreshToken)
    }

    struct Tokens: Decodable {
        let access_token: String
        let expires_in: Int
        let refresh_token: String?
    }

    static func signIn(scope: String, in fleet: FleetContext, owner: HubProcess.Owner) async throws -> MonitorApp {
        let clientID = try await fleet.owner.registerPublicClient(
            name: "simulator monitor", grants: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            scope: scope + " offline_access")
        let connection = try HubConnection(hub: fleet.hub, trust: .pinned(fleet.root), timeout: .seconds(30))
        struct Started: Decodable {
            let device_code: String
            let user_code: String
        }
        let started = try await post(connection, "/oauth/device_authorization", ["client_id": clientID, "scope": scope + " offline_access"])
            .decode(Started.self)
        // The verification page's form, as the owner's browser posts it (the CSRF token is a
        // double-submit cookie: the same random value in the cookie and the form).
        let csrf = Base64URL.encode(SecureRandom.bytes(24))
        let approved = try await post(connection, "/oauth/device", [
            "user_code": started.user_code, "email": owner.email, "password": owner.password, "csrf": csrf, "decision": "allow",
        ], headers: [("Cookie", "__Host-hearth_csrf=\(csrf)")])
        guard approved.status == 200 else { throw approved.problem }
        let tokens = try await post(connection, "/oauth/token", [
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": started.device_code, "client_id": clientID,
        ]).decode(Tokens.self)
        guard let refresh = tokens.refresh_token else {
            throw HearthError(.invalidInput, "the hub issued the monitor no refresh token")
        }
        return MonitorApp(connection: connection, clientID: clientID, refreshToken: refresh)
    }

    /// A fresh access token (the refresh token rotates with each).
    func token() async throws -> (token: String, expiresIn: Int) {
        let refresh = refreshToken.withLock { $0 }
        let reply = try await Self.post(connection, "/oauth/token", [
            "grant_type": "refresh_token", "refresh_token": refresh, "client_id": clientID,
        ], retry: false)
        guard reply.status == 200 else { throw reply.problem }
        let tokens = try reply.decode(Tokens.self)
        if let next = tokens.refresh_token { refreshToken.withLock { $0 = next } }
        return (tokens.access_token, tokens.expires_in)
    }

    /// A form post, retried on network trouble and 5xx (`OwnerAPI.retrying`) unless `retry` is
    /// false: a refresh whose answer was lost must not be sent again (the hub would see its
    /// rotated token reused and end the sign-in).
    private static func post(
        _ connection: HubConnection, _ path: String, _ fields: [String: String], headers: [(String, String)] = [],
        retry: Bool = true
    ) async throws -> HubResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = fields.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        let send = {
            try await connection.send(
                "POST", path, body: Array(form.utf8), contentType: "application/x-www-form-urlencoded", headers: headers)
        }
        guard retry else { return try await send() }
        return try await OwnerAPI.retrying {
            let reply = try await send()
            if reply.status >= 500 { throw reply.problem }
            return reply
        }
    }
}
