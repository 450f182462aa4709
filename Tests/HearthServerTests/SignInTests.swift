import Foundation
import HearthCore
import HearthHub
import HearthOAuth
import HearthServer
import HearthStore
import HearthTesting
import Testing

@Suite struct SignInTests {
    static func signIn(_ hub: TestHub, password: String? = nil) async throws -> CurlClient.Response {
        try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": password ?? hub.ownerPassword])
    }

    static func token(_ response: CurlClient.Response) throws -> String {
        try #require(try response.json()["token"] as? String)
    }

    @Test(arguments: TestEngine.allCases)
    func signInShowsMeAndSignOutEndsTheSession(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let created = try await Self.signIn(hub)
            #expect(created.status == 201)
            let body = try created.json()
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["expires_in"] as? Int == 3600)
            let token = try Self.token(created)
            #expect(token.hasPrefix("hst_"))

            let me = try await hub.client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(me.status == 200)
            let person = try #require(try me.json()["person"] as? [String: Any])
            #expect(person["email"] as? String == hub.ownerEmail)
            #expect(person["role"] as? String == "owner")
            #expect(person["must_change_password"] as? Bool == true)
            let household = try #require(try me.json()["household"] as? [String: Any])
            #expect(household["id"] as? String == hub.householdID.rawValue)
            #expect((household["zones"] as? [String])?.count == 5)

            // Stored only as a digest: the token itself is nowhere in the database.
            let stored = try await hub.store.read { db in
                try await db.db.query("SELECT token_hash FROM sessions").map { try $0.text("token_hash") }
            }
            #expect(stored == [SecretToken.digest(of: token)])

            let signOut = try await hub.client.request("DELETE", "/v1/session", headers: ["Authorization": "Bearer \(token)"])
            #expect(signOut.status == 204)
            let after = try await hub.client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(after.status == 401)
            #expect(after.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
        }
    }

    @Test func sessionsExpireAfterTheirLifetime() async throws {
        try await withTestHub(configure: { $0.sessionLifetime = .seconds(120) }) { hub in
            let token = try Self.token(try await Self.signIn(hub))
            let headers = ["Authorization": "Bearer \(token)"]
            #expect(try await hub.client.request("GET", "/v1/me", headers: headers).status == 200)
            hub.clock.advance(by: 121)
            #expect(try await hub.client.request("GET", "/v1/me", headers: headers).status == 401)
        }
    }

    @Test func changingThePasswordEndsOtherSessionsAndClearsTheFlag() async throws {
        try await withTestHub { hub in
            let first = try Self.token(try await Self.signIn(hub))
            let second = try Self.token(try await Self.signIn(hub))
            let newPassword = "correct horse battery staple"
            let change = try await hub.client.json(
                "POST", "/v1/me/password", ["current_password": hub.ownerPassword, "new_password": newPassword],
                headers: ["Authorization": "Bearer \(first)"])
            #expect(change.status == 204)
            #expect(try await hub.client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(first)"]).status == 200)
            #expect(try await hub.client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(second)"]).status == 401)
            #expect(try await Self.signIn(hub).status == 401)
            let again = try await Self.signIn(hub, password: newPassword)
            #expect(again.status == 201)
            #expect((try again.json()["person"] as? [String: Any])?["must_change_password"] as? Bool == false)
        }
    }

    @Test func repeatedFailuresAreThrottledWithGrowingBackOff() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 2 }) { hub in
            for _ in 0..<2 { #expect(try await Self.signIn(hub, password: "wrong password").status == 401) }
            // The back-off holds even for the right password, and says when to come back.
            let throttled = try await Self.signIn(hub)
            #expect(throttled.status == 429)
            #expect(throttled.headers["retry-after"] == "1")
            #expect(throttled.headers["content-type"] == "application/problem+json")
            hub.clock.advance(by: 1.5)
            #expect(try await Self.signIn(hub, password: "wrong again").status == 401)
            #expect(try await Self.signIn(hub).headers["retry-after"] == "2")
            hub.clock.advance(by: 2.5)
            #expect(try await Self.signIn(hub).status == 201)
        }
    }

    @Test func noPasswordOrTokenReachesTheLog() async throws {
        try await withTestHub { hub in
            let token = try Self.token(try await Self.signIn(hub))
            _ = try await Self.signIn(hub, password: "hunter2-not-the-password")
            _ = try await hub.client.request("GET", "/v1/me?token=\(token)", headers: ["Authorization": "Bearer \(token)"])
            _ = try await hub.client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)x"])
            let logs = hub.logs.all
            #expect(logs.contains { $0.contains("signed in") })
            #expect(logs.contains { $0.contains("sign-in failed") })
            for secret in [hub.ownerPassword, token, "hunter2-not-the-password", String(token.dropFirst(4))] {
                #expect(!logs.contains { $0.contains(secret) }, "a log line contains a secret")
            }
        }
    }

    /// curl from a chosen loopback address (Linux routes all of 127/8 to lo), so attempts come
    /// from "different machines".
    static func signIn(
        _ hub: TestHub, from address: String, email: String? = nil, password: String, totp: String? = nil,
        cookie: String? = nil
    ) async throws -> (status: Int, body: [String: Any]) {
        var fields: [String: Any] = ["email": email ?? hub.ownerEmail, "password": password]
        if let totp { fields["totp"] = totp }
        if let cookie { fields["device_cookie"] = cookie }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        let result = try await ProcessRunner.run("/usr/bin/curl", [
            "-sS", "--interface", address, "--cacert", hub.certificatePath, "-H", "Content-Type: application/json",
            "-d", body, "-w", "\n%{http_code}", "https://127.0.0.1:\(hub.port)/v1/session",
        ])
        try #require(result.status == 0, "curl: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let json = (try? JSONSerialization.jsonObject(with: Data(lines.dropLast().joined(separator: "\n").utf8))) as? [String: Any]
        return (Int(lines.last ?? "") ?? 0, json ?? [:])
    }

    /// Issue 18.3: wrong passwords from many addresses back the account off — but not for the
    /// owner's usual client, which proves it signed in before with its device cookie, nor for one
    /// that knows the second factor. The per-address back-off stays, and the owner sees who is
    /// being guessed at.
    @Test func aStrangerCannotLockTheOwnerOutOfTheirUsualClient() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 2 }) { hub in
            let usual = try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword)
            #expect(usual.status == 201)
            let cookie = try #require(usual.body["device_cookie"] as? String)
            #expect(cookie.hasPrefix("hdc_"))
            let token = try #require(usual.body["token"] as? String)

            // Wrong passwords from several addresses, each under its own limit: the account's
            // limit is reached, and a third stranger is already turned away.
            for octet in 10..<12 {
                #expect(try await Self.signIn(hub, from: "127.0.0.\(octet)", password: "guess \(octet)").status == 401)
            }
            #expect(try await Self.signIn(hub, from: "127.0.0.12", password: "guess 12").status == 429)
            // The account is backed off for any client without the cookie, wherever it is …
            #expect(try await Self.signIn(hub, from: "127.0.0.20", password: hub.ownerPassword).status == 429)
            #expect(try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword).status == 429)
            let forged = "hdc_" + Base64URL.encode(SecureRandom.bytes(32))
            #expect(try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword, cookie: forged).status == 429)
            // … but not for the owner's usual client.
            let spared = try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword, cookie: cookie)
            #expect(spared.status == 201, "\(spared.body)")
            #expect(spared.body["device_cookie"] as? String == cookie)

            // The owner sees the account being guessed at.
            let throttled = try await hub.client.request("GET", "/v1/people/throttled", headers: ["Authorization": "Bearer \(token)"])
            #expect(throttled.status == 200, "\(throttled.text)")
            let accounts = try #require(try throttled.json()["accounts"] as? [[String: Any]])
            #expect(accounts.count == 1 && accounts.first?["email"] as? String == hub.ownerEmail, "\(accounts)")
            #expect(accounts.first?["failures"] as? Int == 2 && (accounts.first?["retry_after"] as? Int ?? 0) > 0, "\(accounts)")

            // A cookie's own wrong passwords back that client off, and the address's back-off holds
            // even with the cookie.
            for _ in 0..<2 {
                #expect(try await Self.signIn(hub, from: "127.0.0.30", password: "wrong", cookie: cookie).status == 401)
            }
            #expect(try await Self.signIn(hub, from: "127.0.0.30", password: hub.ownerPassword, cookie: cookie).status == 429)
        }
    }

    @Test func aKnownSecondFactorSparesTheClientTheAccountBackOff() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 2 }) { hub in
            let session = try Self.token(try await Self.signIn(hub))
            let (totp, _) = try await OAuthPeopleTests.enroll(hub, session: session)
            hub.clock.advance(by: 30)
            for octet in 10..<12 {
                #expect(try await Self.signIn(hub, from: "127.0.0.\(octet)", password: "guess \(octet)").status == 401)
            }
            #expect(try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword).status == 429)
            // While backed off, a wrong code and a wrong password get the same answer.
            let wrongCode = try await Self.signIn(hub, from: "127.0.0.2", password: hub.ownerPassword, totp: "000000")
            let wrongPassword = try await Self.signIn(
                hub, from: "127.0.0.3", password: "guess again", totp: totp.code(at: hub.clock.now))
            #expect(wrongCode.status == 401 && wrongPassword.status == 401)
            #expect(wrongCode.body["detail"] as? String == wrongPassword.body["detail"] as? String, "\(wrongCode.body) \(wrongPassword.body)")
            hub.clock.advance(by: 30)
            let spared = try await Self.signIn(hub, from: "127.0.0.1", password: hub.ownerPassword, totp: totp.code(at: hub.clock.now))
            #expect(spared.status == 201, "\(spared.body)")
        }
    }
}
