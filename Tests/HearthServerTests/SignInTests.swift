import Foundation
import HearthCore
import HearthHub
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
}
