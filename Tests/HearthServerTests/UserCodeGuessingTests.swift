import Foundation
import HearthAudit
import HearthHub
import HearthPairing
import HearthTesting
import Testing

/// Guessing user codes of the device authorization grant (RFC 8628 §5.1) from many addresses
/// (issue 18, item 8): each wrong code comes from another loopback address (curl `--interface
/// 127.0.0.N`), so the per-address back-off never engages; the limits per pending request and
/// per household must stop the guessing anyway.
@Suite(.serialized) struct UserCodeGuessingTests {
    typealias People = OAuthPeopleTests
    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

    /// A public client for the device grant, as the owner registers it.
    static func deviceClient(_ hub: TestHub) async throws -> String {
        let (session, _) = try await People.session(hub)
        return try #require(try await People.register(hub, session: session, [
            "name": "TV app", "token_endpoint_auth_method": "none", "grant_types": [deviceCodeGrant], "scope": "devices:read",
        ])["client_id"] as? String)
    }

    static func start(_ hub: TestHub, client: String) async throws -> (deviceCode: String, userCode: String) {
        let response = try await People.form(hub, "/oauth/device_authorization", [("client_id", client), ("scope", "devices:read")])
        try #require(response.status == 200, "device authorization: \(response.status) \(response.text)")
        return (try #require(try response.json()["device_code"] as? String), try #require(try response.json()["user_code"] as? String))
    }

    static func poll(_ hub: TestHub, client: String, deviceCode: String) async throws -> CurlClient.Response {
        try await People.form(hub, "/oauth/token", [("grant_type", deviceCodeGrant), ("client_id", client), ("device_code", deviceCode)])
    }

    /// The owner, signed in correctly, types `code` at the verification page from 127.0.0.`host`.
    static func type(_ code: String, _ hub: TestHub, _ browser: People.Browser, from host: Int) async throws -> People.Browser.Page {
        var browser = browser
        browser.interface = "127.0.0.\(host)"
        return try await browser.approveDevice(userCode: code, email: hub.ownerEmail, password: hub.ownerPassword)
    }

    /// A well-formed code that is not `right`.
    static func wrongCode(besides right: String) -> String {
        while true {
            let code = UserCode.generate().display
            if code != right { return code }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func thirtyWrongCodesFromThirtyAddressesNeverFindTheRightOne(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        // The household's back-off is opened wide here: this test is about the cap per pending request.
        try await withTestHub(engine: engine, configure: { $0.signInFreeFailures = 100 }) { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let client = try await Self.deviceClient(hub)
            let pending = try await Self.start(hub, client: client)

            for host in 2...31 {
                let page = try await Self.type(Self.wrongCode(besides: pending.userCode), hub, browser, from: host)
                #expect(page.status == 400, "127.0.0.\(host): \(page.status)")
                #expect(page.body.contains("unknown or has expired"), "127.0.0.\(host): \(page.body)")
            }
            // The hub saw 30 addresses, one wrong code each.
            let refused = try await People.entries(hub, action: .oauthTokenRefused).filter { $0.subject == "device-authorization:unknown" }
            #expect(Set(refused.map(\.actor)).count == 30, "\(Set(refused.map(\.actor)))")
            // The request had 5 wrong codes typed against it while it waited: even its right code
            // no longer approves it, from any address.
            let right = try await Self.type(pending.userCode, hub, browser, from: 40)
            #expect(right.status == 400, "the right code after the guessing: \(right.status) \(right.body)")
            #expect(right.body.contains("cancelled"), "\(right.body)")
            let polled = try await Self.poll(hub, client: client, deviceCode: pending.deviceCode)
            #expect(polled.status == 400 && (try? polled.json()["error"] as? String) == "access_denied", "\(polled.text)")
            #expect(try await Self.count(hub, "oauth_grants") == 0, "a grant was made")

            // The device starts again: the new request is approved with its code.
            hub.clock.advance(by: 6)
            let renewed = try await Self.start(hub, client: client)
            let approved = try await Self.type(renewed.userCode, hub, browser, from: 41)
            #expect(approved.status == 200 && approved.body.contains("Approved"), "\(approved.status) \(approved.body)")
        }
    }

    @Test func theHouseholdBacksOffWhateverTheAddress() async throws {
        // The hub's default: 5 free failures, then 1 s, 2 s, 4 s … as for passwords.
        try await withTestHub { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let client = try await Self.deviceClient(hub)
            let first = try await Self.start(hub, client: client)
            for host in 2...6 {
                let page = try await Self.type(Self.wrongCode(besides: first.userCode), hub, browser, from: host)
                #expect(page.status == 400, "127.0.0.\(host): \(page.status)")
            }
            // A new request, and its right code typed from yet another address: the household waits.
            let second = try await Self.start(hub, client: client)
            let throttled = try await Self.type(second.userCode, hub, browser, from: 7)
            #expect(throttled.status == 429, "\(throttled.status) \(throttled.body)")
            #expect(throttled.headers["retry-after"] == "1", "\(throttled.headers)")
            hub.clock.advance(by: 2)
            let approved = try await Self.type(second.userCode, hub, browser, from: 8)
            #expect(approved.status == 200, "after the back-off: \(approved.status) \(approved.body)")
        }
    }

    /// Someone who cannot sign in learns nothing about codes: a right code with a wrong password
    /// gets the sign-in refusal, and nothing is decided.
    @Test func codesAreCheckedOnlyForSomeoneSignedIn() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 100 }) { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let client = try await Self.deviceClient(hub)
            let pending = try await Self.start(hub, client: client)
            let right = try await browser.approveDevice(userCode: pending.userCode, email: hub.ownerEmail, password: "not the password")
            let wrong = try await browser.approveDevice(
                userCode: Self.wrongCode(besides: pending.userCode), email: hub.ownerEmail, password: "not the password")
            #expect(right.status == 401 && wrong.status == 401, "\(right.status) \(wrong.status)")
            #expect(right.body.contains("email or password is wrong") && wrong.body.contains("email or password is wrong"))
            let polled = try await Self.poll(hub, client: client, deviceCode: pending.deviceCode)
            #expect((try? polled.json()["error"] as? String) == "authorization_pending", "\(polled.text)")
        }
    }

    static func count(_ hub: TestHub, _ table: String) async throws -> Int {
        try await DatabaseSnapshot.take(hub.store).tables[table]?.count ?? 0
    }
}
