import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// Issue 20: the console over HTTPS with curl — its cookie, headers, CSRF and origin checks, the
/// same role permissions as the API, the sign-in back-off, idle and absolute session ends, and
/// bad input answered with a page, never a 500. The real-browser tests are ConsoleBrowserTests.
@Suite(.serialized) struct ConsoleTests {
    /// A browser-like client: curl with a cookie jar, sending the hub's origin on posts.
    struct Browser {
        let hub: TestHub
        let folder: URL
        var jar: String { folder.appendingPathComponent("cookies").path }
        var origin: String { "https://127.0.0.1:\(hub.port)" }

        init(_ hub: TestHub) throws {
            self.hub = hub
            folder = try TemporaryFolder.make(prefix: "console")
        }

        struct Page {
            let status: Int
            /// Raw header lines, every `Set-Cookie` kept.
            let headers: [String]
            let html: String

            func header(_ name: String) -> [String] {
                headers.compactMap { line in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == name.lowercased() else { return nil }
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }

            /// The value of the first hidden `csrf` field.
            var csrf: String? {
                guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
                return String(html[range.upperBound...].prefix { $0 != "\"" })
            }
        }

        func get(_ path: String) async throws -> Page { try await send("GET", path) }

        func post(_ path: String, _ fields: [(String, String)], origin: String? = nil, contentType: String? = nil) async throws -> Page {
            var headers = ["Origin": origin ?? self.origin]
            if let contentType { headers["Content-Type"] = contentType }
            return try await send("POST", path, headers: headers, body: OAuthFormText.encode(fields))
        }

        func send(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) async throws -> Page {
            let headerFile = folder.appendingPathComponent("headers").path
            var arguments = ["-sS", "--cacert", hub.certificatePath, "-b", jar, "-c", jar, "-X", method, "-D", headerFile, "--max-time", "30"]
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
            if let body {
                let file = folder.appendingPathComponent("body")
                try Data(body.utf8).write(to: file)
                arguments += ["--data-binary", "@" + file.path]
            }
            arguments.append(origin + path)
            let result = try await ProcessRunner.run("/usr/bin/curl", arguments)
            #expect(result.status == 0, "curl: \(result.standardError)")
            let lines = try String(contentsOfFile: headerFile, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
            return Page(status: status, headers: Array(lines.dropFirst()), html: result.standardOutput)
        }

        /// Signs in through the form; returns the answer to the form's post.
        @discardableResult
        func signIn(_ email: String, _ password: String, totp: String? = nil) async throws -> Page {
            let form = try await get("/console/sign-in")
            var fields = [("csrf", form.csrf ?? ""), ("email", email), ("password", password)]
            if let totp { fields.append(("totp", totp)) }
            return try await post("/console/sign-in", fields)
        }
    }

    /// Form encoding for the test's posts.
    enum OAuthFormText {
        static func encode(_ pairs: [(String, String)]) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return pairs.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }.joined(separator: "&")
        }
    }

    static func device(_ hub: TestHub, name: String, zone: String = "default") async throws -> DeviceID {
        let issued = try await PKITools.issueNewDevice(hub.pki, household: hub.householdID, name: name, zone: try Zone(zone))
        return DeviceID(issued.record.deviceID!)!
    }

    static func state(_ hub: TestHub, _ id: DeviceID) async throws -> DeviceState? {
        try await hub.store.read { db in try await db.devices.find(id)?.state }
    }

    @Test(arguments: TestEngine.allCases)
    func signingInGivesAStrictCookieAndEveryPageAStrictPolicy(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let browser = try Browser(hub)
            let form = try await browser.get("/console/sign-in")
            #expect(form.status == 200)
            let signedIn = try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            #expect(signedIn.status == 303, "\(signedIn.html)")
            #expect(signedIn.header("Location") == ["/console/overview"])
            let session = signedIn.header("Set-Cookie").first { $0.hasPrefix("hearth_console=hst_") }
            for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
                #expect(session?.contains(flag) == true, "\(session ?? "no session cookie")")
            }
            let device = try await Self.device(hub, name: "hall sensor", zone: "security")
            for path in [
                "/console/overview", "/console/devices", "/console/devices?q=hall&state=active&sort=expires&dir=desc",
                "/console/devices/\(device)", "/console/pairing", "/console/people", "/console/apps", "/console/audit",
                "/console/privacy",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == 200, "\(path): \(page.html.prefix(400))")
                let policy = page.header("Content-Security-Policy").first ?? ""
                #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "\(path)")
                #expect(!policy.contains("unsafe-inline"), "\(path)")
                #expect(page.header("X-Frame-Options") == ["DENY"], "\(path)")
                #expect(!page.html.contains("<script>") && !page.html.contains("style="), "\(path) has inline script or style")
                #expect(!page.html.contains("http://") && !page.html.contains("https://"), "\(path) names another origin")
            }
            #expect(try await browser.get("/console/devices").html.contains("hall sensor"))

            // Signing out ends the session in the database, not only in the browser.
            let overview = try await browser.get("/console/overview")
            #expect(try await browser.post("/console/sign-out", [("csrf", overview.csrf ?? "")]).status == 303)
            #expect(try await browser.get("/console/overview").header("Location") == ["/console/sign-in"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func formsFromAnotherOriginOrWithoutTheTokenChangeNothing(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let device = try await Self.device(hub, name: "lock")
            let browser = try Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            let page = try await browser.get("/console/devices/\(device)")
            let csrf = try #require(page.csrf)
            let auditSize = try await hub.store.read { db in try await db.audit.size() }

            let foreign = try await browser.post(
                "/console/devices/\(device)/quarantine", [("csrf", csrf), ("confirmed", "yes")], origin: "https://evil.example")
            #expect(foreign.status == 403 && foreign.html.contains("Refused"))
            let tokenless = try await browser.post("/console/devices/\(device)/quarantine", [("confirmed", "yes")])
            #expect(tokenless.status == 403)
            let forged = try await browser.post("/console/devices/\(device)/quarantine", [("csrf", "AAAA" + csrf.dropFirst(4)), ("confirmed", "yes")])
            #expect(forged.status == 403)
            #expect(try await Self.state(hub, device) == .active)
            #expect(try await hub.store.read { db in try await db.audit.size() } == auditSize)

            // Without `confirmed`, the action only asks.
            let asked = try await browser.post("/console/devices/\(device)/quarantine", [("csrf", csrf), ("reason", "test")])
            #expect(asked.status == 200 && asked.html.contains("Are you sure?") && asked.html.contains(#"name="confirmed" value="yes""#))
            #expect(try await Self.state(hub, device) == .active)
            let done = try await browser.post(
                "/console/devices/\(device)/quarantine", [("csrf", csrf), ("reason", "test"), ("confirmed", "yes")])
            #expect(done.status == 303)
            #expect(try await Self.state(hub, device) == .quarantined)
            // The same audit entry the API writes, by the same person.
            let entry = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(subject: "device:\(device)", action: "device.quarantined", limit: 1)).first
            }
            #expect(entry?.actor.hasPrefix("person:") == true)
            // ...and the device page's trail shows it.
            let trail = try await browser.get("/console/devices/\(device)")
            #expect(trail.html.contains("Audit trail") && trail.html.contains("device.quarantined"))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aMemberSeesNoOwnerPageAndIsRefusedOwnerActions(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let kitchen = try await Self.device(hub, name: "kitchen light", zone: "lighting")
            let hall = try await Self.device(hub, name: "hall lock", zone: "security")
            try await hub.addPerson(
                household: hub.householdID, email: "kid@home.arpa", role: .member,
                access: DeviceAccess(zones: [try Zone("lighting")], devices: [], startsAt: nil, endsAt: nil, hours: nil),
                password: "kid password 123")
            let browser = try Browser(hub)
            try await browser.signIn("kid@home.arpa", "kid password 123")
            let overview = try await browser.get("/console/overview")
            #expect(overview.status == 200)
            for owner in ["/console/pairing", "/console/people", "/console/apps", "/console/audit", "/console/privacy"] {
                #expect(!overview.html.contains("href=\"\(owner)\""), "a member's navigation links \(owner)")
                #expect(try await browser.get(owner).status == 403, "\(owner)")
            }
            let devices = try await browser.get("/console/devices")
            #expect(devices.html.contains("kitchen light") && !devices.html.contains("hall lock"))
            #expect(try await browser.get("/console/devices/\(hall)").status == 404)
            let own = try await browser.get("/console/devices/\(kitchen)")
            #expect(own.status == 200 && !own.html.contains("id=\"actions\""))
            let refused = try await browser.post(
                "/console/devices/\(kitchen)/quarantine", [("csrf", try #require(own.csrf)), ("confirmed", "yes")])
            #expect(refused.status == 403 && refused.html.contains("Not allowed"))
            #expect(try await Self.state(hub, kitchen) == .active)
            #expect(try await browser.get("/console/audit/proof?index=0").status == 403)
        }
    }

    @Test func aConsoleSessionEndsWhenIdleAndAtItsAbsoluteLimit() async throws {
        try await withTestHub { hub in
            let browser = try Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            // Used every 20 minutes, it lives on past the 30-minute idle limit...
            for _ in 0..<3 {
                hub.clock.advance(by: 20 * 60)
                #expect(try await browser.get("/console/overview").status == 200)
            }
            // ...but not 31 minutes unused.
            hub.clock.advance(by: 31 * 60)
            #expect(try await browser.get("/console/overview").header("Location") == ["/console/sign-in"])

            let busy = try Browser(hub)
            try await busy.signIn(hub.ownerEmail, hub.ownerPassword)
            for _ in 0..<((12 * 60) / 25) {
                hub.clock.advance(by: 25 * 60)
                _ = try await busy.get("/console/overview")
            }
            hub.clock.advance(by: 25 * 60)
            #expect(try await busy.get("/console/overview").header("Location") == ["/console/sign-in"], "past 12 hours")
        }
    }

    @Test func failedSignInsBackOffAsOnTheAPIAndSayNothingOfTheAccount() async throws {
        try await withTestHub { hub in
            let browser = try Browser(hub)
            var statuses: [Int] = []
            for _ in 0..<8 {
                let page = try await browser.signIn(hub.ownerEmail, "wrong password")
                statuses.append(page.status)
                #expect(!page.html.contains("wrong password"))
            }
            #expect(statuses.contains(429), "\(statuses)")
            let throttled = try await browser.signIn(hub.ownerEmail, "wrong password")
            #expect(throttled.status == 429 && !throttled.header("Retry-After").isEmpty)
            // The API sees the same back-off: it is one throttle.
            let api = try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": "wrong password"])
            #expect(api.status == 429)
            let unknown = try await Browser(hub).signIn("nobody@home.arpa", "wrong password")
            #expect(unknown.status == 401 || unknown.status == 429)
        }
    }

    @Test func badInputGetsAPageAndChangesNothing() async throws {
        try await withTestHub { hub in
            let device = try await Self.device(hub, name: "camera")
            let browser = try Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            let csrf = try #require(try await browser.get("/console/pairing").csrf)
            let auditSize = try await hub.store.read { db in try await db.audit.size() }
            let cases: [(String, String, String?)] = [
                ("/console/devices/\(device)/quarantine", "csrf=\(csrf)&confirmed=yes&confirmed=yes", nil),
                ("/console/devices/\(device)/quarantine", "csrf=\(csrf)&reason=%ZZ", nil),
                ("/console/devices/\(device)/explode", "csrf=\(csrf)&confirmed=yes", nil),
                ("/console/devices/not-a-device/quarantine", "csrf=\(csrf)&confirmed=yes", nil),
                ("/console/devices/\(device)/move", "csrf=\(csrf)&confirmed=yes&zone=..%2F..", nil),
                ("/console/devices/\(device)/quarantine", #"{"csrf":"\#(csrf)"}"#, "application/json"),
                ("/console/pairing/approve", "csrf=\(csrf)&user_code=%00%01&verify=x&zone=a&name=b", nil),
                ("/console/pairing/open", "csrf=\(csrf)&minutes=100000", nil),
                ("/console/people/invite", "csrf=\(csrf)&role=emperor", nil),
                ("/console/people/invite", "csrf=\(csrf)&role=guest&until=yesterday", nil),
                ("/console/people/not-a-person/role", "csrf=\(csrf)&role=owner", nil),
                ("/console/apps/clients/nope/revoke", "csrf=\(csrf)&confirmed=yes", nil),
                ("/console/sign-in", String(repeating: "a", count: 2_000_000), nil),
            ]
            for (path, body, type) in cases {
                let page = try await browser.send(
                    "POST", path,
                    headers: ["Origin": browser.origin, "Content-Type": type ?? "application/x-www-form-urlencoded"], body: body)
                #expect((400..<500).contains(page.status), "\(path) \(body.prefix(80)): \(page.status) \(page.html.prefix(300))")
                #expect(page.header("Content-Type").first?.hasPrefix("text/html") == true, "\(path)")
            }
            for path in ["/console/devices?page=-5&sort=%00&state=zzz", "/console/audit?cursor=abc&action=%FF", "/console/audit/proof?index=999999"] {
                let page = try await browser.get(path)
                #expect(page.status < 500, "\(path): \(page.status)")
            }
            #expect(try await Self.state(hub, device) == .active)
            #expect(try await hub.store.read { db in try await db.audit.size() } == auditSize)
            #expect(!hub.logs.all.contains { $0.contains(csrf) })
        }
    }

    /// The privacy page (owners): the household's flow map with a consent switch per flow and
    /// recipient — the same grant and withdrawal as the API's, audited with the owner as actor —
    /// the export as a ZIP, the erasure after its confirmation; members get 403, and a form
    /// without the CSRF token changes nothing.
    @Test(arguments: TestEngine.allCases)
    func privacyPageShowsTheMapAndSwitchesConsent(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let device = try await Self.device(hub, name: "hall sensor")
            let token = try await PKITools.token(hub)
            let document: [String: Any] = [
                "flows": [[
                    "name": "presence", "class": "functional", "sensitive": ["presence"], "purpose": "Tells the app who is home",
                    "schema": ["type": "object"], "retention": "1d", "recipients": ["apps": true],
                ]],
            ]
            try await PrivacyRightsTests.declare(on: hub, owner: token, scope: "device:\(device)", document)
            /// Whether the API's map says the flow's consent for apps stands.
            func consented() async throws -> Bool? {
                let map = try await hub.client.request("GET", "/v1/privacy/map", headers: PKITools.bearer(token))
                try #require(map.status == 200, "\(map.status) \(map.text)")
                let devices = try #require(try map.json()["devices"] as? [[String: Any]])
                let flows = devices.first { $0["id"] as? String == device.rawValue }?["flows"] as? [[String: Any]]
                let recipients = flows?.first { $0["name"] as? String == "presence" }?["recipients"] as? [[String: Any]]
                return recipients?.first { $0["recipient"] as? String == "apps" }?["consented"] as? Bool
            }
            func audited(_ action: String) async throws -> [AuditEntry] {
                try await hub.store.read { db in try await db.audit.entries(AuditQuery(action: action, limit: 10)) }
            }

            let browser = try Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            let page = try await browser.get("/console/privacy")
            #expect(page.status == 200, "\(page.html.prefix(400))")
            #expect(page.html.contains(#"href="/console/privacy" aria-current="page""#))
            for shown in ["hall sensor", "presence", "functional", "Tells the app who is home", "1 day", "device:\(device)", ">needs consent<", ">Allow<"] {
                #expect(page.html.contains(shown), "the privacy page lacks \(shown)")
            }
            #expect(!page.html.contains(">Stop<"))
            #expect(page.header("Content-Security-Policy").first?.contains("script-src 'self'") == true)
            #expect(!page.html.contains("<script>") && !page.html.contains("style="))
            #expect(try await consented() == false)
            let csrf = try #require(page.csrf)
            let consent = [("scope", "device:\(device)"), ("flow", "presence"), ("recipient", "apps")]

            // A form without the token, or from another origin, changes nothing.
            let auditSize = try await hub.store.read { db in try await db.audit.size() }
            #expect(try await browser.post("/console/privacy/consent", consent + [("grant", "1")]).status == 403)
            #expect(try await browser.post(
                "/console/privacy/consent", [("csrf", csrf)] + consent + [("grant", "1")], origin: "https://evil.example").status == 403)
            #expect(try await browser.post("/console/privacy/erase", [("device", "household"), ("confirmed", "yes")]).status == 403)
            #expect(try await browser.post("/console/privacy/export", [("go", "1")]).status == 403)
            #expect(try await consented() == false)
            #expect(try await hub.store.read { db in try await db.audit.size() } == auditSize)

            // Allow: the API's grant, audited with the owner as actor; the page says so.
            let allowed = try await browser.post("/console/privacy/consent", [("csrf", csrf)] + consent + [("grant", "1"), ("purpose", "")])
            #expect(allowed.status == 303 && allowed.header("Location") == ["/console/privacy?done=allowed"], "\(allowed.status) \(allowed.html.prefix(300))")
            #expect(try await consented() == true)
            let granted = try #require(try await audited("privacy.consent_granted").first)
            #expect(granted.actor.hasPrefix("person:") && granted.subject == "flow:device:\(device)/presence")
            #expect(granted.reason == "Tells the app who is home", "an empty purpose is the flow's own")
            let after = try await browser.get("/console/privacy?done=allowed")
            #expect(after.html.contains("Consent given") && after.html.contains(">allowed<") && after.html.contains(">Stop<"))
            #expect(!after.html.contains(">needs consent<"))

            // Stop: the API's withdrawal.
            let stopped = try await browser.post("/console/privacy/consent", [("csrf", csrf)] + consent + [("grant", "0")])
            #expect(stopped.status == 303 && stopped.header("Location") == ["/console/privacy?done=stopped"])
            #expect(try await consented() == false)
            #expect(try await audited("privacy.consent_withdrawn").first?.actor.hasPrefix("person:") == true)
            #expect(try await browser.get("/console/privacy").html.contains(">needs consent<"))
            // A purpose the owner typed is the consent's.
            let typed = try await browser.post(
                "/console/privacy/consent", [("csrf", csrf)] + consent + [("grant", "1"), ("purpose", "the hall light")])
            #expect(typed.status == 303)
            #expect(try await consented() == true)
            #expect(try await audited("privacy.consent_granted").first?.reason == "the hall light")
            _ = try await browser.post("/console/privacy/consent", [("csrf", csrf)] + consent + [("grant", "0")])
            #expect(try await consented() == false)
            // Bad forms: a page with a 4xx status, nothing changed.
            for fields in [
                consent + [("grant", "maybe")], [("scope", "nowhere"), ("flow", "presence"), ("recipient", "apps"), ("grant", "1")],
                [("scope", "device:\(device)"), ("flow", "presence"), ("recipient", "everyone"), ("grant", "1")],
                [("scope", "device:\(device)"), ("flow", "nonexistent"), ("recipient", "apps"), ("grant", "1")],
                consent + [("grant", "0")],
            ] {
                let refused = try await browser.post("/console/privacy/consent", [("csrf", csrf)] + fields)
                #expect((400..<500).contains(refused.status), "\(fields): \(refused.status)")
                #expect(refused.header("Content-Type").first?.hasPrefix("text/html") == true)
            }
            #expect(try await consented() == false)

            // The export: a ZIP download, audited.
            let export = try await browser.post("/console/privacy/export", [("csrf", csrf)])
            #expect(export.status == 200 && export.html.hasPrefix("PK"), "\(export.status) \(export.html.prefix(200))")
            #expect(export.header("Content-Type") == ["application/zip"])
            #expect(export.header("Content-Disposition") == [#"attachment; filename="hearth-export-\#(hub.householdID.rawValue).zip""#])
            #expect(try await audited("privacy.exported").first?.actor.hasPrefix("person:") == true)

            // The erasure asks first, then erases, and says how much went.
            let asked = try await browser.post("/console/privacy/erase", [("csrf", csrf), ("device", device.rawValue)])
            #expect(asked.status == 200 && asked.html.contains("Are you sure?") && asked.html.contains("hall sensor"))
            #expect(asked.html.contains(#"name="device" value="\#(device)""#) && asked.html.contains(#"name="confirmed" value="yes""#))
            #expect(try await audited("privacy.telemetry_erased").isEmpty)
            let erased = try await browser.post("/console/privacy/erase", [("csrf", csrf), ("device", device.rawValue), ("confirmed", "yes")])
            #expect(erased.status == 303 && erased.header("Location") == ["/console/privacy?done=erased&count=0"], "\(erased.html.prefix(300))")
            #expect(try await audited("privacy.telemetry_erased").first?.subject == "device:\(device)")
            #expect(try await browser.get("/console/privacy?done=erased&count=0").html.contains("Telemetry erased: 0 stored messages removed."))
            let household = try await browser.post("/console/privacy/erase", [("csrf", csrf), ("device", "household"), ("confirmed", "yes")])
            #expect(household.status == 303)
            #expect(try await audited("privacy.telemetry_erased").first?.subject == "household:\(hub.householdID.rawValue)")
            #expect(try await browser.post("/console/privacy/erase", [("csrf", csrf), ("device", "not-a-device"), ("confirmed", "yes")]).status == 404)

            // A member: no link, 403 for the page and every action, nothing changed.
            try await hub.addPerson(
                household: hub.householdID, email: "kid@home.arpa", role: .member, access: .everything, password: "kid password 123")
            let member = try Browser(hub)
            try await member.signIn("kid@home.arpa", "kid password 123")
            let overview = try await member.get("/console/overview")
            #expect(!overview.html.contains(#"href="/console/privacy""#))
            #expect(try await member.get("/console/privacy").status == 403)
            let memberCSRF = try #require(overview.csrf)
            let auditBefore = try await hub.store.read { db in try await db.audit.size() }
            #expect(try await member.post("/console/privacy/consent", [("csrf", memberCSRF)] + consent + [("grant", "1")]).status == 403)
            #expect(try await member.post("/console/privacy/export", [("csrf", memberCSRF)]).status == 403)
            #expect(try await member.post(
                "/console/privacy/erase", [("csrf", memberCSRF), ("device", "household"), ("confirmed", "yes")]).status == 403)
            #expect(try await consented() == false)
            #expect(try await hub.store.read { db in try await db.audit.size() } == auditBefore)
        }
    }

    /// The overview's counts, the expiring and silent lists, and the device list's filters,
    /// sorting and pages, on the application service the console renders.
    @Test func theDashboardCountsFiltersSortsAndPages() async throws {
        try await withTestHub { hub in
            var made: [DeviceID] = []
            for index in 0..<7 { made.append(try await Self.device(hub, name: "sensor \(index)", zone: index < 4 ? "security" : "climate")) }
            let ids = made
            let dashboard = HouseholdDashboard(store: hub.store, lifecycle: DeviceLifecycle(pki: hub.pki), connected: { _ in ["device:\(ids[0])"] })
            let owner = try #require(try await hub.store.read { db in
                try await db.memberships.members(of: hub.householdID).first
            })
            _ = try await DeviceLifecycle(pki: hub.pki).quarantine(ids[1], household: hub.householdID, reason: "test", actor: .system("test"))
            // Device certificates last a day: every valid one ends within the 7-day horizon.
            let fresh = try await dashboard.overview(for: owner)
            #expect(fresh.expiringCount == 7 && fresh.silentCount == 0)
            hub.clock.advance(by: 2 * 24 * 3600)
            let overview = try await dashboard.overview(for: owner)
            #expect(overview.zones.map(\.zone) == ["climate", "security"])
            #expect(overview.zones.first { $0.zone == "security" }?.byState.first { $0.state == .quarantined }?.count == 1)
            #expect(overview.silentCount == 7, "never seen for two days")
            #expect(overview.connectedCount == 1)
            #expect(overview.expiringCount == 0, "expired ones are not 'expiring'")
            #expect(overview.recentAudit?.isEmpty == false)

            let garden = try await dashboard.devices(.init(zone: "climate"), for: owner)
            #expect(garden.matching == 3 && garden.devices.allSatisfy { $0.status.device.zone.name == "climate" })
            let quarantined = try await dashboard.devices(.init(state: .quarantined), for: owner)
            #expect(quarantined.devices.map(\.status.device.id) == [ids[1]])
            let search = try await dashboard.devices(.init(text: "SENSOR 3"), for: owner)
            #expect(search.devices.map(\.status.device.name) == ["sensor 3"])
            let descending = try await dashboard.devices(.init(sort: .name, descending: true, pageSize: 3), for: owner)
            #expect(descending.devices.map(\.status.device.name) == ["sensor 6", "sensor 5", "sensor 4"] && descending.pageCount == 3)
            let last = try await dashboard.devices(.init(sort: .name, page: 99, pageSize: 3), for: owner)
            #expect(last.page == 3 && last.devices.map(\.status.device.name) == ["sensor 6"])
            let connectedFirst = try await dashboard.devices(.init(text: "sensor 0"), for: owner)
            #expect(connectedFirst.devices.first?.isConnected == true)
        }
    }
}
