import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// The authorization server as the people of a household meet it, against an in-process hub:
/// enrolling a second factor, signing in with it, step-up at the consent page, what a member
/// may grant, what a scoped token may do on `/v1`, the grants an owner sees and revokes, and a
/// device's certificate-bound client losing its token when it is quarantined. The pages are
/// driven by curl with a cookie jar, as a browser would; TOTP codes are computed here from the
/// enrolled secret at the hub's test clock.
// Serialized: each test runs a hub and many curl processes; run side by side with the rest of the suite they pushed the test
// process past a thousand open descriptors.
@Suite(.serialized) struct OAuthPeopleTests {
    static let redirect = "http://127.0.0.1:9/cb"

    // MARK: - a browser: curl with a cookie jar

    /// curl with a cookie jar and the hub's root, reading the sign-in and verification pages
    /// as a person's browser would (no redirects followed: the answer to the app is inspected).
    struct Browser {
        let baseURL: String
        let caCertificate: String
        let folder: URL
        /// The loopback address curl sends from (`--interface`), to be another source to the hub.
        var interface: String?

        init(baseURL: String, caCertificate: String) throws {
            self.baseURL = baseURL
            self.caCertificate = caCertificate
            folder = try TemporaryFolder.make(prefix: "oauth-browser")
        }

        init(_ hub: TestHub) throws {
            try self.init(baseURL: "https://127.0.0.1:\(hub.port)", caCertificate: hub.certificatePath)
        }

        func close() { try? FileManager.default.removeItem(at: folder) }

        struct Page {
            let status: Int
            /// Header names lower-cased.
            let headers: [String: String]
            let body: String

            var location: String? { headers["location"] }

            /// The redirect's query parameters (the answer to the app), empty when not redirected.
            var redirectParameters: [String: String] {
                guard let location, let items = URLComponents(string: location)?.queryItems else { return [:] }
                return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
            }

            /// `<input type="hidden" name="…" value="…">` of the page's form, unescaped.
            var hiddenFields: [(String, String)] {
                var fields: [(String, String)] = []
                for piece in body.components(separatedBy: #"<input type="hidden" name=""#).dropFirst() {
                    guard let nameEnd = piece.range(of: "\""),
                          let valueStart = piece.range(of: #" value=""#, range: nameEnd.upperBound..<piece.endIndex),
                          let valueEnd = piece.range(of: "\"", range: valueStart.upperBound..<piece.endIndex)
                    else { continue }
                    fields.append((
                        Browser.unescape(String(piece[..<nameEnd.lowerBound])),
                        Browser.unescape(String(piece[valueStart.upperBound..<valueEnd.lowerBound]))))
                }
                return fields
            }
        }

        static func unescape(_ text: String) -> String {
            text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
        }

        func get(_ path: String, _ query: [(String, String)] = []) async throws -> Page {
            try await send(["-X", "GET"], path + (query.isEmpty ? "" : "?" + OAuthPeopleTests.formEncoded(query)))
        }

        func post(_ path: String, _ form: [(String, String)]) async throws -> Page {
            var arguments: [String] = []
            for (name, value) in form { arguments += ["--data-urlencode", "\(name)=\(value)"] }
            return try await send(arguments, path)
        }

        private func send(_ extra: [String], _ path: String) async throws -> Page {
            let headerFile = folder.appendingPathComponent("headers-\(UUID().uuidString)").path
            let bodyFile = folder.appendingPathComponent("body-\(UUID().uuidString)").path
            defer {
                try? FileManager.default.removeItem(atPath: headerFile)
                try? FileManager.default.removeItem(atPath: bodyFile)
            }
            let jar = folder.appendingPathComponent("cookies").path
            let result = try await ProcessRunner.run("/usr/bin/curl", [
                "-sS", "--max-time", "30", "--cacert", caCertificate, "-c", jar, "-b", jar, "-D", headerFile, "-o", bodyFile,
            ] + (interface.map { ["--interface", $0] } ?? []) + extra + [baseURL + path])
            try #require(result.status == 0, "curl \(path): \(result.standardError)")
            let headerText = try String(contentsOfFile: headerFile, encoding: .utf8)
            var lines = headerText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
            if !lines.isEmpty { lines.removeFirst() }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let body = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
            return Page(status: status, headers: headers, body: body)
        }

        /// An authorization request's PKCE verifier and state, and the page's answer to the
        /// person's "Allow".
        struct Authorization {
            let verifier: String
            let state: String
            let answer: Page

            var code: String? { answer.redirectParameters["code"] }
            var error: String? { answer.redirectParameters["error"] }
        }

        /// Opens the sign-in and consent page for `scope`, signs in with `email`, `password`
        /// and `totp` (left empty when nil), and presses Allow.
        func authorize(
            client: String, scope: String, email: String, password: String, totp: String? = nil,
            redirect: String = OAuthPeopleTests.redirect
        ) async throws -> Authorization {
            let verifier = Base64URL.encode(SecureRandom.bytes(32))
            let state = Base64URL.encode(SecureRandom.bytes(12))
            let page = try await get("/oauth/authorize", [
                ("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", scope),
                ("state", state), ("code_challenge", Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))),
                ("code_challenge_method", "S256"),
            ])
            try #require(page.status == 200, "the consent page: \(page.status) \(page.location ?? "") \(page.body)")
            let hidden = page.hiddenFields
            try #require(hidden.contains { $0.0 == "csrf" }, "the consent page has no csrf field: \(page.body)")
            var form = hidden + [("email", email), ("password", password), ("decision", "allow")]
            if let totp { form.append(("totp", totp)) }
            return Authorization(verifier: verifier, state: state, answer: try await post("/oauth/authorize", form))
        }

        /// Approves a device authorization at `/oauth/device` (the link `hearth login` shows).
        func approveDevice(userCode: String, email: String, password: String, totp: String? = nil) async throws -> Page {
            let page = try await get("/oauth/device", [("user_code", userCode)])
            try #require(page.status == 200, "the verification page: \(page.status) \(page.body)")
            let csrf = try #require(page.hiddenFields.first { $0.0 == "csrf" }?.1, "no csrf field: \(page.body)")
            var form = [("user_code", userCode), ("email", email), ("password", password), ("csrf", csrf), ("decision", "allow")]
            if let totp { form.append(("totp", totp)) }
            return try await post("/oauth/device", form)
        }
    }

    // MARK: - helpers

    static func formEncoded(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return pairs.map {
            ($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    static func signIn(_ hub: TestHub, email: String? = nil, password: String? = nil, totp: String? = nil) async throws
        -> CurlClient.Response
    {
        var body: [String: Any] = ["email": email ?? hub.ownerEmail, "password": password ?? hub.ownerPassword]
        if let totp { body["totp"] = totp }
        return try await hub.client.json("POST", "/v1/session", body)
    }

    /// A session token and the person's id; the sign-in must succeed.
    static func session(_ hub: TestHub, email: String? = nil, password: String? = nil, totp: String? = nil) async throws
        -> (token: String, person: String)
    {
        let response = try await signIn(hub, email: email, password: password, totp: totp)
        try #require(response.status == 201, "sign-in: \(response.status) \(response.text)")
        let body = try response.json()
        return (try #require(body["token"] as? String), try #require((body["person"] as? [String: Any])?["id"] as? String))
    }

    static func problemCode(_ response: CurlClient.Response) -> String? {
        (try? response.json())?["code"] as? String
    }

    /// `POST /v1/oauth/clients`, which must succeed; the client's JSON.
    static func register(_ hub: TestHub, session: String, _ body: [String: Any]) async throws -> [String: Any] {
        let response = try await hub.client.json("POST", "/v1/oauth/clients", body, headers: bearer(session))
        try #require(response.status == 201, "register: \(response.status) \(response.text)")
        return try response.json()
    }

    static func publicClient(
        _ hub: TestHub, session: String, name: String = "Phone app", scope: String = "devices:read ca:admin offline_access"
    ) async throws -> String {
        let client = try await register(hub, session: session, [
            "name": name, "token_endpoint_auth_method": "none", "redirect_uris": [redirect], "scope": scope,
        ])
        return try #require(client["client_id"] as? String)
    }

    static func form(_ hub: TestHub, _ path: String, _ fields: [(String, String)]) async throws -> CurlClient.Response {
        try await hub.client.request(
            "POST", path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(formEncoded(fields).utf8))
    }

    /// Redeems an authorization's code (a public client: PKCE, no secret); the token endpoint's answer.
    static func redeem(_ hub: TestHub, client: String, _ authorization: Browser.Authorization) async throws -> CurlClient.Response {
        try await form(hub, "/oauth/token", [
            ("grant_type", "authorization_code"), ("code", authorization.code ?? ""), ("redirect_uri", redirect),
            ("client_id", client), ("code_verifier", authorization.verifier),
        ])
    }

    /// Authorizes and redeems; both must succeed. The token response.
    static func tokens(
        _ hub: TestHub, _ browser: Browser, client: String, scope: String, email: String? = nil, password: String? = nil,
        totp: String? = nil
    ) async throws -> [String: Any] {
        let authorization = try await browser.authorize(
            client: client, scope: scope, email: email ?? hub.ownerEmail, password: password ?? hub.ownerPassword, totp: totp)
        try #require(
            authorization.code != nil,
            "no code: \(authorization.answer.status) \(authorization.answer.location ?? authorization.answer.body)")
        let redeemed = try await redeem(hub, client: client, authorization)
        try #require(redeemed.status == 200, "token: \(redeemed.status) \(redeemed.text)")
        return try redeemed.json()
    }

    static func refresh(_ hub: TestHub, client: String, _ token: String) async throws -> CurlClient.Response {
        try await form(hub, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client)])
    }

    /// A JWT's header or payload, decoded without verification.
    static func jwtPart(_ jwt: String, _ index: Int) throws -> [String: Any] {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3, "not a JWT: \(jwt)")
        let bytes = try #require(Base64URL.decode(String(parts[index])))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func claims(_ jwt: String) throws -> [String: Any] { try jwtPart(jwt, 1) }

    static func entries(_ hub: TestHub, action: AuditAction) async throws -> [AuditEntry] {
        try await hub.store.read { db in try await db.audit.entries(AuditQuery(action: action.name, limit: 1000)) }
    }

    /// Starts and confirms TOTP enrollment for the session's person; the authenticator and the
    /// recovery codes. Uses the code of the hub clock's current step.
    static func enroll(_ hub: TestHub, session: String) async throws -> (TOTP, [String]) {
        let begun = try await hub.client.request("POST", "/v1/me/second-factor", headers: bearer(session))
        try #require(begun.status == 201, "enrollment: \(begun.status) \(begun.text)")
        let secret = try #require(try begun.json()["secret"] as? String)
        let totp = try #require(TOTP(base32Secret: secret))
        let confirmed = try await hub.client.json(
            "POST", "/v1/me/second-factor/confirm", ["code": totp.code(at: hub.clock.now)], headers: bearer(session))
        try #require(confirmed.status == 200, "confirmation: \(confirmed.status) \(confirmed.text)")
        return (totp, try #require(try confirmed.json()["recovery_codes"] as? [String]))
    }

    /// Six digits that are not the code of any step the hub accepts around `date`.
    static func wrongCode(_ totp: TOTP, at date: Date) -> String {
        let accepted = Set((-2...2).map { totp.code(at: date.addingTimeInterval(TimeInterval($0 * 30))) })
        return ["000000", "111111", "222222", "333333", "444444", "555555"].first { !accepted.contains($0) }!
    }

    /// An ES256 key for a `private_key_jwt` client, its JWKS for registration, and assertions.
    struct AssertionKey {
        let key = P256.Signing.PrivateKey()
        let kid = "test-key-1"

        var jwks: [String: Any] {
            let jwk = PublicJWK(kid: kid, publicKey: key.publicKey)
            return ["keys": [["kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y, "kid": jwk.kid, "use": jwk.use, "alg": jwk.alg]]]
        }

        var jwksJSON: String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: jwks, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }

        /// An RFC 7523 client assertion, valid for two minutes from `now`, with a fresh jti.
        func assertion(client: String, audience: String, now: Date) throws -> String {
            let seconds = Int(now.timeIntervalSince1970)
            let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": kid]
            let claims: [String: Any] = [
                "iss": client, "sub": client, "aud": audience, "jti": Base64URL.encode(SecureRandom.bytes(16)),
                "iat": seconds, "exp": seconds + 120,
            ]
            let input = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: header)))
                + "." + Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: claims)))
            let signature = try key.signature(for: Data(input.utf8))
            return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
        }
    }

    // MARK: - 1. TOTP enrollment and sign-in

    @Test func enrollingTOTPMakesItRequiredAndEachCodeAndRecoveryCodeWorksOnce() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let (session, person) = try await Self.session(hub)
            let begun = try await hub.client.request("POST", "/v1/me/second-factor", headers: Self.bearer(session))
            #expect(begun.status == 201, "\(begun.text)")
            let secret = try #require(try begun.json()["secret"] as? String)
            let uri = try #require(try begun.json()["otpauth_uri"] as? String)
            #expect(uri.hasPrefix("otpauth://totp/") && uri.contains("secret=\(secret)"), "\(uri)")
            let totp = try #require(TOTP(base32Secret: secret))
            // Until it is confirmed, the factor is not required.
            #expect(try await Self.signIn(hub).status == 201)

            let wrong = try await hub.client.json(
                "POST", "/v1/me/second-factor/confirm", ["code": Self.wrongCode(totp, at: hub.clock.now)],
                headers: Self.bearer(session))
            #expect(wrong.status == 403, "a wrong code confirms nothing: \(wrong.text)")
            #expect(try await Self.signIn(hub).status == 201, "still not required after a wrong confirmation")
            let confirmedCode = totp.code(at: hub.clock.now)
            let confirmed = try await hub.client.json(
                "POST", "/v1/me/second-factor/confirm", ["code": confirmedCode], headers: Self.bearer(session))
            #expect(confirmed.status == 200, "\(confirmed.text)")
            let recovery = try #require(try confirmed.json()["recovery_codes"] as? [String])
            #expect(recovery.count == 10 && Set(recovery).count == 10, "\(recovery)")
            #expect(recovery.allSatisfy { RecoveryCodes.normalize($0) == $0 }, "\(recovery)")

            // Required from now on, with its own problem code.
            let missing = try await Self.signIn(hub)
            #expect(missing.status == 401 && Self.problemCode(missing) == "second-factor-required", "\(missing.text)")
            #expect(try await Self.signIn(hub, totp: "").status == 401)
            // The step the confirmation used is spent: its code does not sign in.
            let spent = try await Self.signIn(hub, totp: confirmedCode)
            #expect(spent.status == 401, "the confirmation's code signed in again: \(spent.text)")

            hub.clock.advance(by: 30)
            let code = totp.code(at: hub.clock.now)
            let signedIn = try await Self.signIn(hub, totp: code)
            #expect(signedIn.status == 201, "\(signedIn.text)")
            let replayed = try await Self.signIn(hub, totp: code)
            #expect(replayed.status == 401, "a TOTP step was accepted twice: \(replayed.text)")
            #expect(Self.problemCode(replayed) == "unauthenticated")

            let failedBefore = try await Self.entries(hub, action: .loginFailed).count
            let bad = try await Self.signIn(hub, totp: Self.wrongCode(totp, at: hub.clock.now))
            #expect(bad.status == 401)
            let failures = try await Self.entries(hub, action: .loginFailed)
            #expect(failures.count == failedBefore + 1)
            #expect(failures.first?.subject == "person:\(person)" && failures.first?.reason == "wrong second factor",
                    "\(failures.first.map { "\($0.subject) \($0.reason)" } ?? "none")")

            hub.clock.advance(by: 30)
            #expect(try await Self.signIn(hub, totp: totp.code(at: hub.clock.now)).status == 201, "the next step's code")

            // A recovery code works once, in any spelling; a used one is refused.
            #expect(try await Self.signIn(hub, totp: recovery[0]).status == 201)
            #expect(try await Self.signIn(hub, totp: recovery[0]).status == 401, "a recovery code worked twice")
            let respelled = recovery[1].replacingOccurrences(of: "-", with: " ").uppercased()
            #expect(try await Self.signIn(hub, totp: respelled).status == 201)
            #expect(try await Self.signIn(hub, totp: recovery[1]).status == 401)

            // Enrolling again is refused while one is enrolled; removing it needs a code.
            let twice = try await hub.client.request("POST", "/v1/me/second-factor", headers: Self.bearer(session))
            #expect(twice.status == 409, "\(twice.text)")
            let removeWrong = try await hub.client.json(
                "POST", "/v1/me/second-factor/remove", ["code": Self.wrongCode(totp, at: hub.clock.now)], headers: Self.bearer(session))
            #expect(removeWrong.status == 403, "\(removeWrong.text)")
            let removed = try await hub.client.json(
                "POST", "/v1/me/second-factor/remove", ["code": recovery[2]], headers: Self.bearer(session))
            #expect(removed.status == 204, "\(removed.text)")
            #expect(try await Self.signIn(hub).status == 201, "no second factor after its removal")

            let enrolled = try await Self.entries(hub, action: .secondFactorEnrolled)
            #expect(enrolled.count == 1 && enrolled.first?.subject == "person:\(person)")
            let used = try await Self.entries(hub, action: .recoveryCodeUsed)
            #expect(used.count == 3 && used.allSatisfy { $0.subject == "person:\(person)" })
            let remaining = try used.map { entry in
                try (JSONSerialization.jsonObject(with: Data((entry.details ?? "{}").utf8)) as? [String: String])?["remaining"]
            }
            #expect(remaining == ["7", "8", "9"], "newest first, the codes left after each use: \(remaining)")
            // Neither the secret nor a recovery code is in the log.
            let everything = try await hub.store.read { db in try await db.audit.entries(AuditQuery(limit: 1000)) }
            for entry in everything {
                let text = "\(entry.subject) \(entry.reason) \(entry.details ?? "")"
                #expect(!text.contains(secret) && !recovery.contains(where: text.contains), "\(entry.action) leaks a secret")
            }
        }
    }

    // MARK: - 2. step-up at the consent page

    @Test func sensitiveScopesNeedASecondFactorAtTheConsentPage() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let browser = try Browser(hub)
            defer { browser.close() }
            let (session, person) = try await Self.session(hub)
            let client = try await Self.publicClient(hub, session: session)

            // devices:read needs no second factor.
            let plain = try await Self.tokens(hub, browser, client: client, scope: "devices:read")
            let plainClaims = try Self.claims(try #require(plain["access_token"] as? String))
            #expect(plainClaims["scope"] as? String == "devices:read" && plainClaims["sub"] as? String == person)
            #expect(plainClaims["acr"] == nil, "no second factor was proved: \(plainClaims)")

            // ca:admin without an enrolled factor: the app is told access_denied, with its state.
            let refused = try await browser.authorize(
                client: client, scope: "devices:read ca:admin", email: hub.ownerEmail, password: hub.ownerPassword)
            #expect(refused.answer.status == 303, "\(refused.answer.status) \(refused.answer.body)")
            #expect(refused.answer.location?.hasPrefix(Self.redirect + "?") == true, "\(refused.answer.location ?? "")")
            #expect(refused.error == "access_denied" && refused.code == nil, "\(refused.answer.location ?? "")")
            #expect(refused.answer.redirectParameters["state"] == refused.state)
            #expect(refused.answer.redirectParameters["iss"] == "https://127.0.0.1:\(hub.port)")

            let (totp, _) = try await Self.enroll(hub, session: session)
            hub.clock.advance(by: 30)
            // Enrolled, but no code given: the page asks again, nothing goes to the app.
            let noCode = try await browser.authorize(
                client: client, scope: "devices:read ca:admin", email: hub.ownerEmail, password: hub.ownerPassword)
            #expect(noCode.answer.status == 401 && noCode.answer.location == nil, "\(noCode.answer.status)")
            #expect(noCode.answer.body.contains("second factor"), "\(noCode.answer.body)")

            let stepped = try await Self.tokens(
                hub, browser, client: client, scope: "devices:read ca:admin", totp: totp.code(at: hub.clock.now))
            let access = try #require(stepped["access_token"] as? String)
            let claims = try Self.claims(access)
            #expect(claims["acr"] as? String == "mfa", "\(claims)")
            #expect(claims["scope"] as? String == "ca:admin devices:read", "\(claims)")
            #expect(claims["auth_time"] as? Int == Int(hub.clock.now.timeIntervalSince1970), "\(claims)")
            // And it is usable where ca:admin is needed, where the plain token is not.
            let certificates = try await hub.client.request("GET", "/v1/pki/certificates", headers: Self.bearer(access))
            #expect(certificates.status == 200, "\(certificates.text)")
            let plainAccess = try #require(plain["access_token"] as? String)
            let denied = try await hub.client.request("GET", "/v1/pki/certificates", headers: Self.bearer(plainAccess))
            #expect(denied.status == 403 && Self.problemCode(denied) == "insufficient-scope", "\(denied.text)")

            let grants = try await hub.client.request("GET", "/v1/oauth/grants", headers: Self.bearer(session))
            let listed = try #require(try grants.json()["grants"] as? [[String: Any]])
            #expect(listed.filter { $0["second_factor"] as? Bool == true }.count == 1, "\(listed)")
            #expect(listed.count == 2)
        }
    }

    // MARK: - 3. members and owners

    /// There is no API or CLI command that adds a member, so the member is written to the store
    /// directly, as `hearth-bench` does.
    @Test func aMemberCannotGrantOwnerScopes() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let browser = try Browser(hub)
            defer { browser.close() }
            let memberEmail = "member@example.org"
            let memberPassword = "a member's long password"
            let member = try await hub.addPerson(household: hub.householdID, email: memberEmail, role: .member, password: memberPassword)

            let (session, _) = try await Self.session(hub)
            let client = try await Self.publicClient(
                hub, session: session, name: "Household dashboard", scope: "devices:read clients:manage offline_access")

            let refused = try await browser.authorize(
                client: client, scope: "devices:read clients:manage", email: memberEmail, password: memberPassword)
            #expect(refused.error == "access_denied" && refused.code == nil, "\(refused.answer.location ?? refused.answer.body)")
            let memberTokens = try await Self.tokens(
                hub, browser, client: client, scope: "devices:read", email: memberEmail, password: memberPassword)
            let memberAccess = try #require(memberTokens["access_token"] as? String)
            #expect(try Self.claims(memberAccess)["sub"] as? String == member.id.rawValue)
            #expect(try await hub.client.request("GET", "/v1/devices", headers: Self.bearer(memberAccess)).status == 200)

            // The owner may grant it, and the token manages clients.
            let ownerTokens = try await Self.tokens(hub, browser, client: client, scope: "clients:manage")
            let ownerAccess = try #require(ownerTokens["access_token"] as? String)
            let clients = try await hub.client.request("GET", "/v1/oauth/clients", headers: Self.bearer(ownerAccess))
            #expect(clients.status == 200, "\(clients.text)")
            // A member's own session cannot manage clients either.
            let memberSession = try await Self.session(hub, email: memberEmail, password: memberPassword)
            let forbidden = try await hub.client.request("GET", "/v1/oauth/clients", headers: Self.bearer(memberSession.token))
            #expect(forbidden.status == 403 && Self.problemCode(forbidden) == "forbidden", "\(forbidden.text)")
        }
    }

    // MARK: - 4. scopes on /v1

    @Test func aTokenReachesOnlyWhatItsScopesAllowAndNeverSessionCalls() async throws {
        try await withTestHub { hub in
            let browser = try Browser(hub)
            defer { browser.close() }
            let (session, _) = try await Self.session(hub)
            let client = try await Self.publicClient(hub, session: session)
            let access = try #require(try await Self.tokens(hub, browser, client: client, scope: "devices:read")["access_token"]
                as? String)
            let headers = Self.bearer(access)

            let devices = try await hub.client.request("GET", "/v1/devices", headers: headers)
            #expect(try devices.status == 200 && (devices.json()["devices"] as? [Any]) != nil, "\(devices.text)")
            let me = try await hub.client.request("GET", "/v1/me", headers: headers)
            #expect(me.status == 200, "\(me.text)")

            for (method, path, body, scope) in [
                ("POST", "/v1/pairing/window", ["minutes": 5] as [String: Any], "pairing:approve"),
                ("GET", "/v1/audit/entries", nil, "audit:read"),
                ("POST", "/v1/oauth/clients", ["name": "x", "token_endpoint_auth_method": "none", "scope": "devices:read"], "clients:manage"),
            ] as [(String, String, [String: Any]?, String)] {
                let response = if let body {
                    try await hub.client.json(method, path, body, headers: headers)
                } else {
                    try await hub.client.request(method, path, headers: headers)
                }
                #expect(response.status == 403 && Self.problemCode(response) == "insufficient-scope", "\(method) \(path): \(response.text)")
                #expect(response.headers["www-authenticate"]?.contains(#"scope="\#(scope)""#) == true, "\(response.headers)")
            }
            // Calls that need a sign-in session refuse any access token.
            let password = try await hub.client.json(
                "POST", "/v1/me/password", ["current_password": hub.ownerPassword, "new_password": "a brand new long password"],
                headers: headers)
            #expect(password.status == 403 && Self.problemCode(password) == "session-required", "\(password.text)")
            let signOut = try await hub.client.request("DELETE", "/v1/session", headers: headers)
            #expect(signOut.status == 403 && Self.problemCode(signOut) == "session-required", "\(signOut.text)")
            let enroll = try await hub.client.request("POST", "/v1/me/second-factor", headers: headers)
            #expect(enroll.status == 403 && Self.problemCode(enroll) == "session-required", "\(enroll.text)")
            #expect(try await Self.signIn(hub).status == 201, "the password did not change")

            // The owner's session may do what the token may not: the refusals were about scope.
            #expect(try await hub.client.request("GET", "/v1/audit/entries", headers: Self.bearer(session)).status == 200)
        }
    }

    // MARK: - 5. grants: listing and revocation

    @Test(arguments: TestEngine.allCases)
    func revokingAGrantOrAClientEndsItsTokensAtOnce(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let browser = try Browser(hub)
            defer { browser.close() }
            let (session, person) = try await Self.session(hub)
            let owner = Self.bearer(session)
            let client = try await Self.publicClient(hub, session: session, name: "Grants app", scope: "devices:read offline_access")
            let first = try await Self.tokens(hub, browser, client: client, scope: "devices:read offline_access")
            var access = try #require(first["access_token"] as? String)
            var refresh = try #require(first["refresh_token"] as? String)

            func grants() async throws -> [[String: Any]] {
                let response = try await hub.client.request("GET", "/v1/oauth/grants", headers: owner)
                try #require(response.status == 200, "\(response.text)")
                return try #require(try response.json()["grants"] as? [[String: Any]])
            }
            let listed = try await grants()
            try #require(listed.count == 1, "\(listed)")
            let grant = listed[0]
            let grantID = try #require(grant["id"] as? String)
            #expect(grant["client_id"] as? String == client && grant["client_name"] as? String == "Grants app")
            #expect(grant["scope"] as? String == "devices:read offline_access")
            #expect(grant["subject"] as? String == "person:\(person)")
            #expect(grant["second_factor"] as? Bool == false)
            let usedAt = try #require(grant["last_used_at"] as? String)
            #expect(usedAt == RFC3339.format(hub.clock.now), "\(usedAt)")

            // A refresh rotates the tokens and is the grant's last use.
            hub.clock.advance(by: 120)
            let refreshed = try await Self.refresh(hub, client: client, refresh)
            #expect(refreshed.status == 200, "\(refreshed.text)")
            let oldAccess = access
            access = try #require(try refreshed.json()["access_token"] as? String)
            refresh = try #require(try refreshed.json()["refresh_token"] as? String)
            #expect(try await grants().first?["last_used_at"] as? String == RFC3339.format(hub.clock.now))
            #expect(try await hub.client.request("GET", "/v1/devices", headers: Self.bearer(access)).status == 200)
            #expect(try await hub.client.request("GET", "/v1/devices", headers: Self.bearer(oldAccess)).status == 200)

            let revoked = try await hub.client.request("DELETE", "/v1/oauth/grants/\(grantID)", headers: owner)
            #expect(revoked.status == 204, "\(revoked.text)")
            for token in [access, oldAccess] {
                let after = try await hub.client.request("GET", "/v1/devices", headers: Self.bearer(token))
                #expect(after.status == 401, "an access token of a revoked grant still works: \(after.text)")
            }
            let refusedRefresh = try await Self.refresh(hub, client: client, refresh)
            #expect(try refusedRefresh.json()["error"] as? String == "invalid_grant", "\(refusedRefresh.text)")
            #expect(try await grants().isEmpty)
            #expect(try await Self.entries(hub, action: .oauthGrantRevoked).count == 1)
            let again = try await hub.client.request("DELETE", "/v1/oauth/grants/\(grantID)", headers: owner)
            #expect(again.status == 409, "\(again.text)")

            // Revoking the client ends every grant and token it holds.
            let one = try await Self.tokens(hub, browser, client: client, scope: "devices:read offline_access")
            let two = try await Self.tokens(hub, browser, client: client, scope: "devices:read")
            #expect(try await grants().count == 2)
            let gone = try await hub.client.request("DELETE", "/v1/oauth/clients/\(client)", headers: owner)
            #expect(gone.status == 204, "\(gone.text)")
            for tokens in [one, two] {
                let token = try #require(tokens["access_token"] as? String)
                let after = try await hub.client.request("GET", "/v1/devices", headers: Self.bearer(token))
                #expect(after.status == 401, "an access token of a revoked client still works: \(after.text)")
            }
            let clientRefresh = try await Self.refresh(hub, client: client, try #require(one["refresh_token"] as? String))
            #expect(try clientRefresh.status >= 400 && (clientRefresh.json()["access_token"]) == nil, "\(clientRefresh.text)")
            #expect(try await grants().isEmpty)
            let clients = try await hub.client.request("GET", "/v1/oauth/clients", headers: owner)
            let shown = try #require(try clients.json()["clients"] as? [[String: Any]])
            #expect(shown.first { $0["client_id"] as? String == client }?["revoked_at"] is String, "\(shown)")
            // Its consent page is gone too.
            let page = try await browser.get("/oauth/authorize", [
                ("response_type", "code"), ("client_id", client), ("redirect_uri", Self.redirect), ("scope", "devices:read"),
                ("code_challenge", Base64URL.encode(SecureRandom.bytes(32))), ("code_challenge_method", "S256"),
            ])
            #expect(page.status == 400 && page.location == nil, "\(page.status) \(page.location ?? "")")
        }
    }

    // MARK: - 6. a device's client and its lifecycle

    @Test func quarantiningADeviceEndsItsTokenAndItsClientCredentials() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "oauth-device")
            defer { try? FileManager.default.removeItem(at: folder) }
            let (session, _) = try await Self.session(hub)
            let owner = Self.bearer(session)
            let issued = try await PKITools.issue(hub, token: session, folder: folder, name: "thermostat", fields: ["name": "thermostat"])
            let device = try #require(issued.fields["device"] as? String)
            let registered = try await Self.register(hub, session: session, [
                "name": "thermostat", "token_endpoint_auth_method": "tls_client_auth", "device_id": device,
                "scope": "devices:read",
            ])
            let client = try #require(registered["client_id"] as? String)
            #expect(registered["tls_client_auth_san_uri"] as? String == issued.uri, "\(registered)")
            let resourceKey = AssertionKey()
            let resourceServer = try #require(try await Self.register(hub, session: session, [
                "name": "resource server", "token_endpoint_auth_method": "private_key_jwt", "jwks": resourceKey.jwks,
                "scope": "devices:read",
            ])["client_id"] as? String)
            let issuer = "https://127.0.0.1:\(hub.port)"

            func clientCredentials() async throws -> [String: Any] {
                let result = try await ProcessRunner.run(PKITools.curl, [
                    "-sS", "--max-time", "20", "--cacert", hub.certificatePath, "--cert", issued.chain, "--key", issued.key,
                    "--data-urlencode", "grant_type=client_credentials", "--data-urlencode", "client_id=\(client)",
                    "\(issuer)/oauth/token",
                ])
                try #require(result.status == 0, "curl: \(result.standardError)")
                return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
                                    "\(result.standardOutput)")
            }
            func introspect(_ token: String) async throws -> [String: Any] {
                let assertion = try resourceKey.assertion(
                    client: resourceServer, audience: issuer + "/oauth/introspect", now: hub.clock.now)
                let response = try await Self.form(hub, "/oauth/introspect", [
                    ("client_id", resourceServer), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion), ("token", token),
                ])
                try #require(response.status == 200, "introspection: \(response.status) \(response.text)")
                return try response.json()
            }
            func stored(_ token: String) async throws -> Bool {
                let jti = try #require(try Self.claims(token)["jti"] as? String)
                let at = hub.clock.now
                return try await hub.store.read { db in try await db.oauthGrants.isAccessTokenActive(jti: jti, at: at) }
            }

            let answer = try await clientCredentials()
            let token = try #require(answer["access_token"] as? String, "client credentials: \(answer)")
            let claims = try Self.claims(token)
            #expect(claims["sub"] as? String == device && claims["client_id"] as? String == client)
            #expect((claims["cnf"] as? [String: Any])?["x5t#S256"] is String, "certificate-bound: \(claims)")
            let live = try await introspect(token)
            #expect(live["active"] as? Bool == true && live["sub"] as? String == device, "\(live)")
            #expect(try await stored(token))

            let quarantined = try await hub.client.json(
                "POST", "/v1/devices/\(device)/quarantine", ["reason": "odd traffic"], headers: owner)
            #expect(try quarantined.status == 200 && (quarantined.json()["state"] as? String) == "quarantined", "\(quarantined.text)")
            #expect(try await introspect(token)["active"] as? Bool == false, "a quarantined device's token is still active")
            #expect(try await stored(token) == false)
            let refused = try await clientCredentials()
            #expect(refused["error"] as? String == "invalid_client" && refused["access_token"] == nil, "\(refused)")
            // The certificate itself is still valid: the refusal is the device's state.
            #expect(try await PKITools.accepted(port: hub.port, root: hub.certificatePath, certificate: issued.chain, key: issued.key))

            // Released, it gets new tokens; the old one stays revoked.
            let released = try await hub.client.json("POST", "/v1/devices/\(device)/release", [:], headers: owner)
            #expect(released.status == 200, "\(released.text)")
            let renewed = try await clientCredentials()
            let fresh = try #require(renewed["access_token"] as? String, "after release: \(renewed)")
            #expect(try await introspect(fresh)["active"] as? Bool == true)
            #expect(try await introspect(token)["active"] as? Bool == false)
        }
    }

    /// Issue 28.1: a gateway's containment reaches the tokens it obtained for the devices behind
    /// it (their `act` names the gateway), and a certificate-bound token is inactive at
    /// introspection once its certificate is revoked.
    @Test(arguments: TestEngine.allCases)
    func aContainedGatewayNoLongerActsForTheDevicesBehindIt(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "oauth-gateway")
            defer { try? FileManager.default.removeItem(at: folder) }
            let (session, _) = try await Self.session(hub)
            let owner = Self.bearer(session)
            let issued = try await PKITools.issue(
                hub, token: session, folder: folder, name: "gateway", fields: ["name": "hall gateway", "profile": "gateway"])
            let gateway = try #require(issued.fields["device"] as? String)
            let exchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
            let client = try #require(try await Self.register(hub, session: session, [
                "name": "hall gateway", "token_endpoint_auth_method": "tls_client_auth", "device_id": gateway,
                "scope": "devices:read", "grant_types": ["client_credentials", exchangeGrant],
            ])["client_id"] as? String)
            let behind = try await hub.client.json("POST", "/v1/devices/\(gateway)/behind", ["name": "bulb"], headers: owner)
            try #require(behind.status == 201, "\(behind.text)")
            let bulb = try #require(try behind.json()["id"] as? String, "\(behind.text)")
            let resourceKey = AssertionKey()
            let resourceServer = try #require(try await Self.register(hub, session: session, [
                "name": "resource server", "token_endpoint_auth_method": "private_key_jwt", "jwks": resourceKey.jwks,
                "scope": "devices:read",
            ])["client_id"] as? String)
            let issuer = "https://127.0.0.1:\(hub.port)"

            func token(_ form: [String]) async throws -> [String: Any] {
                var arguments = [
                    "-sS", "--max-time", "20", "--cacert", hub.certificatePath, "--cert", issued.chain, "--key", issued.key,
                ]
                for field in form { arguments += ["--data-urlencode", field] }
                let result = try await ProcessRunner.run(PKITools.curl, arguments + ["\(issuer)/oauth/token"])
                try #require(result.status == 0, "curl: \(result.standardError)")
                return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            }
            func active(_ token: String) async throws -> Bool {
                let assertion = try resourceKey.assertion(
                    client: resourceServer, audience: issuer + "/oauth/introspect", now: hub.clock.now)
                let response = try await Self.form(hub, "/oauth/introspect", [
                    ("client_id", resourceServer), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion), ("token", token),
                ])
                try #require(response.status == 200, "introspection: \(response.status) \(response.text)")
                return try response.json()["active"] as? Bool == true
            }
            func tokens() async throws -> (own: String, forBulb: String) {
                let own = try #require(try await token(["grant_type=client_credentials", "client_id=\(client)"])["access_token"] as? String)
                let exchanged = try await token([
                    "grant_type=\(exchangeGrant)", "client_id=\(client)",
                    "subject_token_type=urn:hearth:params:oauth:token-type:device-id", "subject_token=\(bulb)",
                    "actor_token_type=urn:ietf:params:oauth:token-type:access_token", "actor_token=\(own)",
                ])
                let forBulb = try #require(exchanged["access_token"] as? String, "exchange: \(exchanged)")
                #expect((try Self.claims(forBulb)["act"] as? [String: Any])?["sub"] as? String == gateway)
                return (own, forBulb)
            }

            // Quarantine: the gateway's own token and the one it exchanged for the bulb end at once.
            let first = try await tokens()
            #expect(try await active(first.own))
            #expect(try await active(first.forBulb))
            let quarantined = try await hub.client.json("POST", "/v1/devices/\(gateway)/quarantine", ["reason": "odd"], headers: owner)
            #expect(quarantined.status == 200, "\(quarantined.text)")
            #expect(try await !active(first.own))
            #expect(try await !active(first.forBulb), "the exchanged token outlived the gateway's quarantine")
            #expect(try await hub.client.json("POST", "/v1/devices/\(gateway)/release", [:], headers: owner).status == 200)

            // Revoked certificates: the tokens bound to them are inactive at introspection.
            let second = try await tokens()
            #expect(try await active(second.own))
            #expect(try await active(second.forBulb))
            let revoked = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(issued.serial)/revoke", ["reason": "key-compromise"], headers: owner)
            #expect(revoked.status == 200, "\(revoked.text)")
            #expect(try await !active(second.own), "a token bound to a revoked certificate is still active")
            #expect(try await !active(second.forBulb), "a token bound to a revoked certificate is still active")
        }
    }
}
