import Foundation
import HearthCore
import HearthHub
import HearthOAuth
import HearthPairing
import HearthTesting
import Testing

/// Every answer that can be 429, on `/v1` and `/oauth` (JSON and the OAuth HTML pages), says when
/// to come back with `Retry-After` (issue 18, item 17). Each case repeats a refused request with
/// curl until the hub throttles it (one free failure per key here), and checks the header.
@Suite(.serialized) struct RetryAfterTests {
    typealias People = OAuthPeopleTests
    /// A status and lower-cased headers, from curl or from the browser.
    typealias Answer = (status: Int, headers: [String: String])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Sets up, then sends refused requests until one is throttled; that answer, or the last.
        let run: @Sendable (TestHub) async throws -> Answer
        var testDescription: String { name }
    }

    /// Sends up to `tries` times; the first 429, else the last answer.
    static func untilThrottled(_ tries: Int = 6, _ send: () async throws -> Answer) async throws -> Answer {
        var last: Answer = (0, [:])
        for _ in 0..<tries {
            last = try await send()
            if last.status == 429 { break }
        }
        return last
    }

    static func answer(_ response: CurlClient.Response) -> Answer { (response.status, response.headers) }

    static let cases: [Case] = [
        Case(name: "POST /v1/session") { hub in
            try await untilThrottled { answer(try await People.signIn(hub, password: "not the password")) }
        },
        Case(name: "POST /v1/me/password") { hub in
            let token = try await PKITools.token(hub)
            return try await untilThrottled {
                answer(try await hub.client.json(
                    "POST", "/v1/me/password", ["current_password": "not the password", "new_password": "a new long password"],
                    headers: PKITools.bearer(token)))
            }
        },
        Case(name: "POST /v1/pairing/approve") { hub in
            let token = try await PKITools.token(hub)
            try await PairingAPITests.openWindow(hub, token: token)
            return try await untilThrottled {
                answer(try await PairingAPITests.approve(hub, token: token, code: "BCDF-GHJK", verify: "12345-67890"))
            }
        },
        Case(name: "POST /v1/pairing/transfer") { hub in
            // The household's pairing back-off, reached by failed approvals, covers transfers too.
            let token = try await PKITools.token(hub)
            try await PairingAPITests.openWindow(hub, token: token)
            _ = try await untilThrottled {
                answer(try await PairingAPITests.approve(hub, token: token, code: "BCDF-GHJK", verify: "12345-67890"))
            }
            return answer(try await hub.client.json(
                "POST", "/v1/pairing/transfer", ["device_id": DeviceID().rawValue, "secret": SetupSecret.generate().text],
                headers: PKITools.bearer(token)))
        },
        Case(name: "POST /v1/pairing/code, three requests waiting") { hub in
            let token = try await PKITools.token(hub)
            try await PairingAPITests.openWindow(hub, token: token)
            let folder = try TemporaryFolder.make(prefix: "retry-after")
            defer { try? FileManager.default.removeItem(at: folder) }
            var index = 0
            return try await untilThrottled {
                index += 1
                let device = try await PairingAPITests.Candidate.make(hub, folder: folder, name: "device\(index)")
                return answer(try await PairingAPITests.start(hub, device))
            }
        },
        Case(name: "POST /v1/pairing/code/poll") { hub in
            try await untilThrottled {
                answer(try await PairingAPITests.poll(
                    hub, ["request_id": "unknown", "poll_token": "hpt_" + Base64URL.encode(SecureRandom.bytes(32))],
                    nonce: PairingNonce.make()))
            }
        },
        Case(name: "POST /oauth/device_authorization") { hub in
            let client = try await UserCodeGuessingTests.deviceClient(hub)
            return try await untilThrottled(12) {
                answer(try await People.form(hub, "/oauth/device_authorization", [("client_id", client), ("scope", "devices:read")]))
            }
        },
        Case(name: "POST /oauth/token, client authentication") { hub in
            try await untilThrottled {
                answer(try await People.form(hub, "/oauth/token", [
                    ("grant_type", "client_credentials"), ("client_id", "no-such-client"),
                ]))
            }
        },
        Case(name: "POST /oauth/authorize, the sign-in page") { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let (session, _) = try await People.session(hub)
            let client = try await People.publicClient(hub, session: session)
            return try await untilThrottled {
                let page = try await browser.authorize(
                    client: client, scope: "devices:read", email: hub.ownerEmail, password: "not the password").answer
                return (page.status, page.headers)
            }
        },
        Case(name: "POST /oauth/device, the verification page") { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            return try await untilThrottled {
                let page = try await browser.approveDevice(
                    userCode: UserCode.generate().display, email: hub.ownerEmail, password: hub.ownerPassword)
                return (page.status, page.headers)
            }
        },
    ]

    @Test(arguments: cases)
    func everyThrottledAnswerSaysWhenToComeBack(_ throttled: Case) async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 1 }) { hub in
            let answer = try await throttled.run(hub)
            #expect(answer.status == 429, "never throttled: the last answer was \(answer.status)")
            let wait = answer.headers["retry-after"].flatMap { Int($0) }
            #expect(wait.map { $0 >= 1 } == true, "429 without a Retry-After in seconds: \(answer.headers)")
        }
    }

    /// The wait for a new pairing request is when the first waiting one expires, not a guess.
    @Test(arguments: TestEngine.allCases)
    func aFullPairingQueueSaysWhenAPlaceFrees(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let token = try await PKITools.token(hub)
            try await PairingAPITests.openWindow(hub, token: token)
            let folder = try TemporaryFolder.make(prefix: "retry-after")
            defer { try? FileManager.default.removeItem(at: folder) }
            for index in 0..<3 {
                let device = try await PairingAPITests.Candidate.make(hub, folder: folder, name: "device\(index)")
                #expect(try await PairingAPITests.start(hub, device).status == 201)
                hub.clock.advance(by: 100)
            }
            let fourth = try await PairingAPITests.start(hub, try await PairingAPITests.Candidate.make(hub, folder: folder, name: "four"))
            #expect(fourth.status == 429 && PairingAPITests.code(fourth) == "too-many-requests", "\(fourth.text)")
            // The first request started 300 s ago and lives 600 s.
            #expect(fourth.headers["retry-after"] == "300", "\(fourth.headers)")
        }
    }
}
