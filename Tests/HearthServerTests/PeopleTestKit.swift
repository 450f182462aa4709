import Foundation
import HearthCore
import HearthTesting
import Testing

/// Calls the tests of households and people make over and over, through curl.
enum PeopleTestKit {
    struct CallFailed: Error, CustomStringConvertible { let description: String }

    static let password = "a-long-password-for-tests"

    /// Signs in (`extra` adds fields such as "household" or "operator"); the sign-in must succeed.
    static func session(
        _ hub: TestHub, _ email: String, _ password: String = password, _ extra: [String: Any] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        var body: [String: Any] = ["email": email, "password": password]
        body.merge(extra) { $1 }
        let response = try await call(hub, "POST", "/v1/session", nil, body)
        try #require(response.status == 201, "sign-in \(email): \(response.status) \(response.text)", sourceLocation: sourceLocation)
        return try #require(try response.json()["token"] as? String)
    }

    static func call(
        _ hub: TestHub, _ method: String, _ path: String, _ token: String?, _ body: [String: Any]? = nil
    ) async throws -> CurlClient.Response {
        let headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        do {
            if let body { return try await hub.client.json(method, path, body, headers: headers) }
            return try await hub.client.request(method, path, headers: headers)
        } catch {
            // Which call failed, and what the hub was doing meanwhile.
            throw CallFailed(
                description: "\(method) \(path): \(error)\nhub log (last 40 lines):\n" + hub.logs.all.suffix(40).joined(separator: "\n"))
        }
    }

    /// The problem code of a refusal (`urn:hearth:problem:<code>`), or "" when there is none.
    static func problem(_ response: CurlClient.Response) -> String {
        ((try? response.json())?["type"] as? String).map { String($0.dropFirst("urn:hearth:problem:".count)) } ?? ""
    }

    /// An owner's invitation (through the API); its code.
    static func invite(
        _ hub: TestHub, owner: String, role: String, email: String? = nil, access: [String: Any]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: String, code: String) {
        var body: [String: Any] = ["role": role]
        if let email { body["email"] = email }
        if let access { body["access"] = access }
        let response = try await call(hub, "POST", "/v1/people/invitations", owner, body)
        try #require(response.status == 201, "invite: \(response.status) \(response.text)", sourceLocation: sourceLocation)
        let json = try response.json()
        return (try #require(json["id"] as? String), try #require(json["code"] as? String))
    }

    static func accept(
        _ hub: TestHub, code: String, email: String, password: String = password
    ) async throws -> CurlClient.Response {
        try await call(hub, "POST", "/v1/invitations/accept", nil, ["code": code, "email": email, "password": password])
    }
}
