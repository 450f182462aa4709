import Foundation
import HearthAudit
import HearthStore
import HearthTesting
import Testing

/// Whatever a stranger sends gets a problem+json 4xx and leaves the database as it was.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let path: String
        let contentType: String?
        let body: Data?
        let status: Int
        let code: String
        /// The one audit entry the request may add (a failed sign-in is evidence, not a change).
        let audited: String?
        var testDescription: String { name }

        init(_ name: String, _ method: String, _ path: String, contentType: String? = "application/json",
             body: String? = nil, status: Int, code: String, audited: String? = nil) {
            self.name = name
            self.method = method
            self.path = path
            self.contentType = contentType
            self.body = body.map { Data($0.utf8) }
            self.status = status
            self.code = code
            self.audited = audited
        }
    }

    static let cases: [Case] = [
        Case("unknown route", "GET", "/v1/nothing-here", contentType: nil, status: 404, code: "not-found"),
        Case("unknown top-level route", "GET", "/admin", contentType: nil, status: 404, code: "not-found"),
        Case("wrong method", "PUT", "/v1/session", body: "{}", status: 405, code: "method-not-allowed"),
        Case("malformed JSON", "POST", "/v1/session", body: #"{"email": "owner@example.org", "password": "#,
             status: 400, code: "malformed-json"),
        Case("JSON that is not an object", "POST", "/v1/session", body: "[1, 2]", status: 422, code: "invalid-body"),
        Case("wrong type", "POST", "/v1/session", body: #"{"email": 42, "password": "x"}"#, status: 422, code: "invalid-body"),
        Case("missing field", "POST", "/v1/session", body: #"{"email": "owner@example.org"}"#, status: 422, code: "invalid-body"),
        Case("null field", "POST", "/v1/session", body: #"{"email": null, "password": "x"}"#, status: 422, code: "invalid-body"),
        Case("not an email", "POST", "/v1/session", body: #"{"email": "owner", "password": "x"}"#, status: 422, code: "invalid-body"),
        Case("wrong content type", "POST", "/v1/session", contentType: "text/plain",
             body: #"{"email": "owner@example.org", "password": "x"}"#, status: 415, code: "unsupported-media-type"),
        Case("no content type", "POST", "/v1/session", contentType: nil, body: "{}", status: 415, code: "unsupported-media-type"),
        Case("oversized body", "POST", "/v1/session",
             body: #"{"email": "owner@example.org", "password": ""# + String(repeating: "a", count: 70_000) + #""}"#,
             status: 413, code: "body-too-large"),
        Case("wrong password", "POST", "/v1/session", body: #"{"email": "owner@example.org", "password": "pw-Zq81-not-it"}"#,
             status: 401, code: "unauthenticated", audited: "session.login_failed"),
        Case("unknown account", "POST", "/v1/session", body: #"{"email": "nobody@example.org", "password": "pw-Zq81-not-it"}"#,
             status: 401, code: "unauthenticated", audited: "session.login_failed"),
        Case("no bearer token", "GET", "/v1/me", contentType: nil, status: 401, code: "unauthenticated"),
        Case("audit log without sign-in", "GET", "/v1/audit/entries", contentType: nil, status: 401, code: "unauthenticated"),
        Case("audit proof without sign-in", "GET", "/v1/audit/proof/inclusion?index=0", contentType: nil, status: 401,
             code: "unauthenticated"),
        Case("unknown bearer token", "DELETE", "/v1/session", contentType: nil, status: 401, code: "unauthenticated"),
    ]

    @Test(arguments: cases)
    func strangersGetAProblemAndChangeNothing(_ input: Case) async throws {
        try await withTestHub { hub in
            let before = try await DatabaseSnapshot.take(hub.store)
            let entriesBefore = try await hub.store.read { db in try await db.audit.size() }
            var headers: [String: String] = [:]
            if let contentType = input.contentType { headers["Content-Type"] = contentType }
            if input.name == "unknown bearer token" { headers["Authorization"] = "Bearer hst_forged" }
            let response = try await hub.client.request(input.method, input.path, headers: headers, body: input.body)
            #expect(response.status == input.status)
            #expect(response.headers["content-type"] == "application/problem+json")
            let problem = try response.json()
            #expect(problem["status"] as? Int == input.status)
            #expect(problem["code"] as? String == input.code)
            #expect(problem["type"] as? String == "urn:hearth:problem:\(input.code)")
            #expect((problem["title"] as? String)?.isEmpty == false)
            #expect((problem["detail"] as? String)?.isEmpty == false)
            #expect(problem["instance"] as? String == String(input.path.split(separator: "?")[0]))
            #expect(problem["request_id"] as? String == response.headers["x-request-id"])
            if input.status == 405 { #expect(response.headers["allow"] == "DELETE, POST") }
            #expect(!response.text.contains("pw-Zq81"), "the problem echoes the submitted password")
            let after = try await DatabaseSnapshot.take(hub.store)
            let added = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(afterIndex: entriesBefore - 1, newestFirst: false))
            }
            if let audited = input.audited {
                // A failed sign-in is recorded: its audit entry, and its count against the source
                // and the account for the back-off every node shares.
                #expect(after.withoutRefusalRecords == before.withoutRefusalRecords)
                #expect(after.tables["sign_in_failures"]?.count == 2)
                #expect(added.map(\.action) == [audited])
                #expect(added.allSatisfy { !($0.details ?? "").contains("pw-Zq81") && !$0.subject.contains("nobody") })
            } else {
                #expect(after == before)
            }
        }
    }
}
