import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthDevice
import SwiftASN1
import X509

/// `hearth login`: remote administration with an OAuth token instead of the data folder. It runs
/// the device authorization grant (RFC 8628): the CLI shows a link and a code, the owner approves
/// in a browser, and the tokens are kept in a credentials file readable only by the user.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in to a hub from another machine (device authorization grant) and keep the tokens.")

    @Option(name: .long, help: "The hub's URL, as in its OAuth issuer (https://host:port).")
    var hub: String

    @Option(name: .long, help: "The hub's root certificate (PEM, from `hearth ca export-root`).")
    var caRoot: String

    @Option(name: .long, help: "The client_id of a public client registered with the device_code grant.")
    var clientID: String

    @Option(name: .long, help: "The scopes to ask for.")
    var scope: String = "devices:read offline_access"

    @OptionGroup var credentials: CredentialsFile

    func run() async throws {
        let connection = try RemoteHub.connection(hub: hub, caRoot: caRoot)
        let started = try await RemoteHub.form(connection, "/oauth/device_authorization", ["client_id": clientID, "scope": scope])
        guard let deviceCode = started["device_code"] as? String, let userCode = started["user_code"] as? String,
              let link = started["verification_uri_complete"] as? String, var interval = started["interval"] as? Int
        else { throw HearthError(.invalidInput, "the hub refused: \(started["error_description"] ?? started["error"] ?? "unknown")") }
        Output.print("Open \(link)\nand check that it shows the code \(userCode). Waiting for approval…")
        while true {
            try await Task.sleep(for: .seconds(interval))
            let answer = try await RemoteHub.form(connection, "/oauth/token", [
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode, "client_id": clientID,
            ])
            switch answer["error"] as? String {
            case nil:
                let saved = try Credentials(hub: hub, caRoot: caRoot, clientID: clientID, answer: answer)
                try credentials.save(saved)
                Output.print("signed in; tokens saved to \(credentials.path)")
                return
            case "authorization_pending": continue
            case "slow_down": interval += 5
            default:
                throw HearthError(.forbidden, "login failed: \(answer["error_description"] as? String ?? "refused")")
            }
        }
    }
}

/// `hearth api METHOD PATH`: calls the hub's `/v1` API with the saved access token, refreshing it
/// (the refresh token rotates) when it has expired.
struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Call the hub's API with the token `hearth login` saved, and print the answer.")

    @Argument(help: "GET, POST or DELETE.")
    var method: String

    @Argument(help: "The path, for example /v1/devices.")
    var path: String

    @Option(name: .long, help: "A JSON body.")
    var data: String?

    @OptionGroup var credentials: CredentialsFile

    func run() async throws {
        var saved = try credentials.load()
        let connection = try RemoteHub.connection(hub: saved.hub, caRoot: saved.caRoot)
        if saved.expiresAt <= Date().addingTimeInterval(30) {
            guard let refresh = saved.refreshToken else { throw HearthError(.unauthenticated, "the token expired; run hearth login") }
            let answer = try await RemoteHub.form(connection, "/oauth/token", [
                "grant_type": "refresh_token", "refresh_token": refresh, "client_id": saved.clientID,
            ])
            guard answer["error"] == nil else { throw HearthError(.unauthenticated, "the session ended; run hearth login") }
            saved = try Credentials(hub: saved.hub, caRoot: saved.caRoot, clientID: saved.clientID, answer: answer)
            try credentials.save(saved)
        }
        let response = try await connection.send(
            method, path, body: data.map { Array($0.utf8) }, headers: [("Authorization", "Bearer " + saved.accessToken)])
        Output.print(String(decoding: response.body, as: UTF8.self))
        if response.status >= 400 { throw ExitCode(1) }
    }
}

struct CredentialsFile: ParsableArguments {
    @Option(name: .customLong("credentials"), help: "Where the tokens are kept (mode 0600).")
    var file: String?

    var path: String {
        file ?? (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.config/hearth/credentials.json"
    }

    func save(_ credentials: Credentials) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let data = try JSONEncoder().encode(credentials)
        // Created 0600 before the token is written, so it is never readable by others.
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try data.write(to: url)
    }

    func load() throws -> Credentials {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.notFound, "no saved tokens at \(path); run hearth login")
        }
        return try JSONDecoder().decode(Credentials.self, from: data)
    }
}

struct Credentials: Codable {
    let hub: String
    let caRoot: String
    let clientID: String
    let accessToken: String
    let refreshToken: String?
    let expiresAt: Date

    init(hub: String, caRoot: String, clientID: String, answer: [String: Any]) throws {
        guard let token = answer["access_token"] as? String, let expiresIn = answer["expires_in"] as? Int else {
            throw HearthError(.invalidInput, "the hub's token answer is incomplete")
        }
        self.hub = hub
        self.caRoot = caRoot
        self.clientID = clientID
        self.accessToken = token
        self.refreshToken = answer["refresh_token"] as? String
        self.expiresAt = Date().addingTimeInterval(TimeInterval(expiresIn))
    }
}

enum RemoteHub {
    static func connection(hub: String, caRoot: String) throws -> HubConnection {
        guard let url = URL(string: hub) else { throw HearthError(.invalidInput, "--hub is not a URL") }
        let root = try Certificate(pemEncoded: String(contentsOfFile: caRoot, encoding: .utf8))
        return try HubConnection(hub: url, trust: .pinned(root))
    }

    /// A form POST (RFC 6749's encoding); the JSON answer, success or error alike.
    static func form(_ connection: HubConnection, _ path: String, _ parameters: [String: String]) async throws -> [String: Any] {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let body = parameters.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        let response = try await connection.send(
            "POST", path, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded")
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw HearthError(.invalidInput, "the hub's answer (HTTP \(response.status)) is not JSON")
        }
        return object
    }
}
