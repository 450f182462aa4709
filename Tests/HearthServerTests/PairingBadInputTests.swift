import Foundation
import HearthCore
import HearthPairing
import HearthTesting
import Testing

/// Strangers' input to the pairing, device and renewal endpoints: every request gets a 4xx
/// problem (never a 500) and changes nothing but the audit log.
@Suite struct PairingBadInputTests {
    static let key = Base64URL.encode(Array(repeating: UInt8(1), count: 32))

    /// (name, method, path, content type, body, expected status)
    static let cases: [(String, String, String, String, String, Int)] = [
        ("code: not JSON", "POST", "/v1/pairing/code", "application/json", "{", 400),
        ("code: wrong content type", "POST", "/v1/pairing/code", "text/plain", "x", 415),
        ("code: missing fields", "POST", "/v1/pairing/code", "application/json", "{}", 422),
        ("code: garbage CSR", "POST", "/v1/pairing/code", "application/json",
         #"{"csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----","commitment":"\#(key)","hub_key":"\#(key)"}"#, 422),
        ("code: numbers for strings", "POST", "/v1/pairing/code", "application/json", #"{"csr":1,"commitment":2,"hub_key":3}"#, 422),
        ("poll: unknown request", "POST", "/v1/pairing/code/poll", "application/json",
         #"{"request_id":"nope","poll_token":"hpt_x","device_nonce":"\#(key)"}"#, 401),
        ("poll: short nonce", "POST", "/v1/pairing/code/poll", "application/json",
         #"{"request_id":"nope","poll_token":"hpt_x","device_nonce":"AAAA"}"#, 422),
        ("poll: huge id", "POST", "/v1/pairing/code/poll", "application/json",
         #"{"request_id":"\#(String(repeating: "a", count: 5000))","poll_token":"x","device_nonce":"\#(key)"}"#, 401),
        ("secret: garbage CSR", "POST", "/v1/pairing/secret", "application/json",
         #"{"expectation_id":"00","csr":"x","device_nonce":"\#(key)","hub_key":"\#(key)","proof":"\#(key)"}"#, 422),
        ("attest: garbage", "POST", "/v1/pairing/attest", "application/json",
         #"{"challenge":"\#(key)","csr":"x","hub_key":"\#(key)","attestation_chain":"x","signature":"!!"}"#, 422),
        ("attest: not JSON", "POST", "/v1/pairing/attest", "application/json", "]", 400),
        ("renew: no client certificate", "POST", "/v1/certificates/renew", "application/pkcs10", "garbage", 401),
        ("device: no client certificate", "GET", "/v1/device", "", "", 401),
        ("approve: anonymous", "POST", "/v1/pairing/approve", "application/json", #"{"user_code":"BCDF-GHJK","verify":"1"}"#, 401),
        ("window: anonymous", "POST", "/v1/pairing/window", "application/json", #"{"minutes":5}"#, 401),
        ("transfer: anonymous", "POST", "/v1/pairing/transfer", "application/json", #"{"device_id":"x","secret":"y"}"#, 401),
        ("devices: anonymous", "GET", "/v1/devices", "", "", 401),
    ]

    static let ownerCases: [(String, String, String, String, Int)] = [
        ("approve: malformed code", "POST", "/v1/pairing/approve", #"{"user_code":"AEIOU","verify":"12345-67890"}"#, 422),
        ("approve: malformed value", "POST", "/v1/pairing/approve", #"{"user_code":"BCDF-GHJK","verify":"12"}"#, 422),
        ("window: too long", "POST", "/v1/pairing/window", #"{"minutes":600}"#, 422),
        ("window: zero", "POST", "/v1/pairing/window", #"{"minutes":0}"#, 422),
        ("expected: neither", "POST", "/v1/pairing/expected", #"{"zone":"default"}"#, 422),
        ("expected: short secret", "POST", "/v1/pairing/expected", #"{"secret":"ABCD-EFGH"}"#, 422),
        ("expected: bad zone", "POST", "/v1/pairing/expected", #"{"serial":"SN","zone":"Attic!"}"#, 422),
        ("expected: unknown zone", "POST", "/v1/pairing/expected", #"{"serial":"SN","zone":"attic"}"#, 404),
        ("expected: serial with spaces", "POST", "/v1/pairing/expected", #"{"serial":"S N"}"#, 422),
        ("transfer: unknown device", "POST", "/v1/pairing/transfer", #"{"device_id":"nope","secret":"x"}"#, 404),
        ("give away: unknown household", "POST", "/v1/devices/nope/transfer", #"{"to_household":"nope"}"#, 404),
        ("claim: unknown device", "POST", "/v1/devices/nope/claim", #"{"zone":"default"}"#, 404),
    ]

    @Test func strangersGetProblemsAndChangeNothing() async throws {
        try await withTestHub { hub in
            let token = try await PKITools.token(hub)
            let before = try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords
            for (name, method, path, type, body, status) in Self.cases {
                let headers = type.isEmpty ? [:] : ["Content-Type": type]
                let response = try await hub.client.request(method, path, headers: headers, body: body.isEmpty ? nil : Data(body.utf8))
                #expect(response.status == status, "\(name): \(response.status) \(response.text)")
                #expect(response.headers["content-type"] == "application/problem+json", "\(name)")
                #expect(try response.json()["code"] is String, "\(name)")
            }
            for (name, method, path, body, status) in Self.ownerCases {
                let response = try await hub.client.request(
                    method, path, headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"],
                    body: Data(body.utf8))
                #expect(response.status == status, "\(name): \(response.status) \(response.text)")
                #expect(response.headers["content-type"] == "application/problem+json", "\(name)")
            }
            let after = try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords
            #expect(after.tables.filter { $0.key != "sessions" } == before.tables.filter { $0.key != "sessions" })
            // Nothing secret in the logs: no token, no submitted value.
            #expect(!hub.logs.all.joined().contains(token))
        }
    }
}
