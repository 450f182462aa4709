import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// Households and people over the API: a hub operator's households, invitations, a person in two
/// households, roles, guests' windows, removal, suspension, deletion and account recovery.
@Suite struct HouseholdsAndPeopleTests {
    typealias Kit = PeopleTestKit

    @Test(arguments: TestEngine.allCases)
    func anOperatorCreatesAHouseholdWhoseOwnerJoinsByInvitation(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let home = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let hubOperator = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            // Each session is one thing: a household's, or the hub operator's.
            let fromHome = try await Kit.call(hub, "GET", "/v1/households", home)
            #expect(fromHome.status == 403 && Kit.problem(fromHome) == "operator-session-required", "\(fromHome.text)")
            let fromOperator = try await Kit.call(hub, "GET", "/v1/devices", hubOperator)
            #expect(fromOperator.status == 403 && Kit.problem(fromOperator) == "operator-session", "\(fromOperator.text)")

            let created = try await Kit.call(
                hub, "POST", "/v1/households", hubOperator, ["name": "Flat 2", "owner_email": "flat2@example.org"])
            try #require(created.status == 201, "\(created.text)")
            let household = try #require(try created.json()["household"] as? [String: Any])
            let flatID = try #require(household["id"] as? String)
            let code = try #require((try created.json()["owner_invitation"] as? [String: Any])?["code"] as? String)
            #expect(code.hasPrefix("hinv_"))

            let listed = try await Kit.call(hub, "GET", "/v1/households", hubOperator)
            let households = try #require(try listed.json()["households"] as? [[String: Any]])
            let counts = Dictionary(uniqueKeysWithValues: households.compactMap { h in (h["name"] as? String).map { ($0, h["people"] as? Int) } })
            #expect(counts == ["Test home": 1, "Flat 2": 0], "\(listed.text)")
            #expect(!listed.text.contains(hub.ownerEmail), "the operator sees counts, not people: \(listed.text)")
            let health = try await Kit.call(hub, "GET", "/v1/hub", hubOperator)
            #expect((try health.json()["households"] as? [String: Int]) == ["active": 2], "\(health.text)")
            #expect(try health.json()["database"] as? String == engine.rawValue, "\(health.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/hub", home).status == 403)

            let wrongAddress = try await Kit.accept(hub, code: code, email: "someone@example.org")
            #expect(wrongAddress.status == 403 && Kit.problem(wrongAddress) == "invitation-for-another-address")
            let accepted = try await Kit.accept(hub, code: code, email: "flat2@example.org")
            try #require(accepted.status == 201, "\(accepted.text)")
            #expect(try accepted.json()["new_account"] as? Bool == true)
            #expect((try accepted.json()["recovery_codes"] as? [String])?.count == 10)
            let person = try #require(try accepted.json()["person"] as? [String: Any])
            #expect(person["role"] as? String == "owner" && person["household_id"] as? String == flatID)
            let reused = try await Kit.accept(hub, code: code, email: "flat2@example.org")
            #expect(reused.status == 403 && Kit.problem(reused) == "invitation-invalid", "\(reused.text)")

            let flat = try await Kit.session(hub, "flat2@example.org")
            let me = try await Kit.call(hub, "GET", "/v1/me", flat)
            #expect((try me.json()["household"] as? [String: Any])?["name"] as? String == "Flat 2", "\(me.text)")
            // Each household has zone CAs of its own.
            let ours = try await Kit.call(hub, "GET", "/v1/pki/authorities", home)
            let theirs = try await Kit.call(hub, "GET", "/v1/pki/authorities", flat)
            let ids = { (response: CurlClient.Response) in
                Set(((try? response.json()["authorities"] as? [[String: Any]]) ?? []).filter { $0["role"] as? String != "root" }
                    .compactMap { $0["id"] as? String })
            }
            #expect(!ids(theirs).isEmpty && ids(ours).isDisjoint(with: ids(theirs)), "\(theirs.text)")
            let people = try await Kit.call(hub, "GET", "/v1/people", home)
            #expect(!people.text.contains("flat2@example.org"))
            let joined = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(householdID: flatID, action: AuditAction.invitationAccepted.name, limit: 10))
            }
            #expect(joined.count == 1)
        }
    }

    @Test func forgedExpiredAndMalformedInvitationsChangeNothing() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let owner = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let (_, code) = try await Kit.invite(hub, owner: owner, role: "member")
            // The log and the sessions (which the hub's sweep ends as the clock moves) aside,
            // nothing may change.
            let unchanged = { (snapshot: DatabaseSnapshot) in snapshot.withoutRefusalRecords.tables.filter { $0.key != "sessions" } }
            let before = try await DatabaseSnapshot.take(hub.store)
            for forged in [
                // The last character changed (it is "A" one time in 64: then "B").
                "hinv_" + Base64URL.encode(SecureRandom.bytes(32)), String(code.dropLast()) + (code.hasSuffix("A") ? "B" : "A"), "",
                String(repeating: "x", count: 5000),
            ] {
                let refused = try await Kit.accept(hub, code: forged, email: "forger@example.org")
                #expect(refused.status == 403 && Kit.problem(refused) == "invitation-invalid", "\(refused.status) \(refused.text)")
            }
            let malformed = try await Kit.call(hub, "POST", "/v1/invitations/accept", nil, ["code": code])
            #expect(malformed.status == 422, "\(malformed.text)")
            hub.clock.advance(by: Invitation.longestLifetime + 1)
            let expired = try await Kit.accept(hub, code: code, email: "late@example.org")
            #expect(expired.status == 403 && Kit.problem(expired) == "invitation-invalid", "\(expired.text)")
            #expect(unchanged(try await DatabaseSnapshot.take(hub.store)) == unchanged(before))
            // An invitation lives seven days at most.
            let tooLong = try await Kit.call(
                hub, "POST", "/v1/people/invitations", try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword),
                ["role": "member", "expires_in": 8 * 86_400])
            #expect(tooLong.status == 422, "\(tooLong.text)")
        }
    }

    @Test func aPersonInTwoHouseholdsPicksOnePerSession() async throws {
        try await withTestHub { hub in
            let (flat, _) = try await hub.addHousehold(name: "Flat 2", ownerEmail: "flat2@example.org", password: Kit.password)
            let flatOwner = try await Kit.session(hub, "flat2@example.org")
            let (_, code) = try await Kit.invite(hub, owner: flatOwner, role: "member", email: hub.ownerEmail)
            // An existing account proves itself with its password to join.
            let wrong = try await Kit.accept(hub, code: code, email: hub.ownerEmail, password: "not the password at all")
            #expect(wrong.status == 401, "\(wrong.text)")
            let joined = try await Kit.accept(hub, code: code, email: hub.ownerEmail, password: hub.ownerPassword)
            try #require(joined.status == 201, "\(joined.text)")
            #expect(try joined.json()["new_account"] as? Bool == false)

            let unnamed = try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": hub.ownerPassword])
            #expect(unnamed.status == 422 && Kit.problem(unnamed) == "choose-household", "\(unnamed.text)")
            let atHome = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["household": hub.householdID.rawValue])
            let atFlat = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["household": flat.id.rawValue])
            let elsewhere = try await hub.client.json(
                "POST", "/v1/session", ["email": hub.ownerEmail, "password": hub.ownerPassword, "household": HouseholdID().rawValue])
            #expect(elsewhere.status == 403 && Kit.problem(elsewhere) == "not-a-member")

            let homeMe = try await Kit.call(hub, "GET", "/v1/me", atHome)
            let flatMe = try await Kit.call(hub, "GET", "/v1/me", atFlat)
            #expect((try homeMe.json()["person"] as? [String: Any])?["role"] as? String == "owner")
            #expect((try flatMe.json()["person"] as? [String: Any])?["role"] as? String == "member")
            #expect((try flatMe.json()["households"] as? [[String: Any]])?.count == 2)
            // The member session is a member's: nothing of the owner's rights at home comes along.
            let people = try await Kit.call(hub, "GET", "/v1/people", atFlat)
            #expect(people.status == 403, "\(people.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/people", atHome).status == 200)
        }
    }

    /// Every owner's route, called by a member and by a guest: 403 each, and nothing changes.
    @Test func membersAndGuestsCannotDoWhatOwnersDo() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let owner = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let folder = try TemporaryFolder.make(prefix: "roles")
            defer { try? FileManager.default.removeItem(at: folder) }
            let device = try await PKITools.issue(hub, token: owner, folder: folder, name: "door", fields: ["zone": "security", "name": "door"])
            let deviceID = try #require(device.fields["device"] as? String)
            let member = try await hub.addPerson(household: hub.householdID, email: "member@example.org", role: .member, password: Kit.password)
            try await hub.addPerson(
                household: hub.householdID, email: "guest@example.org", role: .guest,
                access: DeviceAccess(zones: nil, devices: [DeviceID(deviceID)!], startsAt: nil, endsAt: hub.clock.now.addingTimeInterval(86_400), hours: nil),
                password: Kit.password)
            let (invitation, _) = try await Kit.invite(hub, owner: owner, role: "member")
            let ownerRoutes: [(String, String, [String: Any]?)] = [
                ("GET", "/v1/people", nil), ("GET", "/v1/people/invitations", nil),
                ("POST", "/v1/people/invitations", ["role": "owner"]), ("DELETE", "/v1/people/invitations/\(invitation)", nil),
                ("POST", "/v1/people/\(member.id)/role", ["role": "owner"]), ("DELETE", "/v1/people/\(member.id)", nil),
                ("POST", "/v1/people/\(member.id)/ownership", [:]), ("GET", "/v1/people/throttled", nil),
                ("GET", "/v1/audit/entries", nil), ("GET", "/v1/audit/proof/inclusion?index=0&size=1", nil),
                ("GET", "/v1/pki/authorities", nil), ("GET", "/v1/pki/certificates", nil),
                ("POST", "/v1/pki/certificates/\(device.fields["serial"] as? String ?? "")/revoke", ["reason": "key-compromise"]),
                ("GET", "/v1/pairing/window", nil), ("POST", "/v1/pairing/window", ["minutes": 5]), ("DELETE", "/v1/pairing/window", nil),
                ("POST", "/v1/pairing/expected", ["name": "x"]), ("POST", "/v1/pairing/approve", ["request_id": "x", "code": "x"]),
                ("POST", "/v1/pairing/deny", ["request_id": "x"]), ("GET", "/v1/oauth/clients", nil),
                ("POST", "/v1/oauth/clients", ["name": "x", "token_endpoint_auth_method": "none"]), ("GET", "/v1/oauth/grants", nil),
                ("POST", "/v1/devices/\(deviceID)/move", ["zone": "default"]), ("POST", "/v1/devices/\(deviceID)/quarantine", [:]),
                ("POST", "/v1/devices/\(deviceID)/release", [:]), ("POST", "/v1/devices/\(deviceID)/revoke", [:]),
                ("POST", "/v1/devices/\(deviceID)/decommission", [:]), ("POST", "/v1/devices/\(deviceID)/transfer", ["to": HouseholdID().rawValue]),
                ("POST", "/v1/devices/\(deviceID)/behind", ["name": "x"]), ("POST", "/v1/pairing/transfer", ["device": deviceID, "secret": "x"]),
                ("GET", "/v1/households", nil), ("POST", "/v1/households", ["name": "Mine"]),
            ]
            let before = try await DatabaseSnapshot.take(hub.store)
            var cases = 0
            for email in ["member@example.org", "guest@example.org"] {
                let token = try await Kit.session(hub, email)
                let me = try await Kit.call(hub, "GET", "/v1/devices", token)
                #expect(me.status == 200 && me.text.contains(deviceID), "\(email) sees the device it may use: \(me.text)")
                for (method, path, body) in ownerRoutes {
                    let response = try await Kit.call(hub, method, path, token, body)
                    #expect(response.status == 403, "\(email) \(method) \(path): \(response.status) \(response.text)")
                    cases += 1
                }
            }
            print("roles: \(cases) owner-only calls by a member and a guest, all refused")
            // Sign-ins write sessions and audit entries; nothing else moved.
            let after = try await DatabaseSnapshot.take(hub.store)
            #expect(after.withoutRefusalRecords.tables.filter { $0.key != "sessions" } == before.withoutRefusalRecords.tables.filter { $0.key != "sessions" })
        }
    }

    /// A guest for the front door, Monday to Friday 09:00–12:00 UTC, until a date: refused before
    /// nine, allowed at half past, refused at noon and at the weekend, removed for good at the end.
    @Test func aGuestsAccessOpensAndClosesWithItsWindow() async throws {
        // A Monday at 08:00 UTC, in the past so that curl (real time) accepts the hub's certificate.
        let monday = try #require(RFC3339.parse("2026-11-30T08:00:00Z"))
        try await withTestHub(startingAt: monday) { hub in
            let owner = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let folder = try TemporaryFolder.make(prefix: "guest")
            defer { try? FileManager.default.removeItem(at: folder) }
            let door = try await PKITools.issue(hub, token: owner, folder: folder, name: "door", fields: ["zone": "security", "name": "door"])
            let doorID = try #require(door.fields["device"] as? String)
            let lamp = try await PKITools.issue(hub, token: owner, folder: folder, name: "lamp", fields: ["zone": "lighting", "name": "lamp"])
            let lampID = try #require(lamp.fields["device"] as? String)
            let (_, code) = try await Kit.invite(hub, owner: owner, role: "guest", access: [
                "devices": [doorID], "days": "mon-fri", "hours": "09:00-12:00", "time_zone": "UTC", "until": "2026-12-04T00:00:00Z",
            ])
            #expect(try await Kit.accept(hub, code: code, email: "cleaner@example.org").status == 201)

            let early = try await hub.client.json("POST", "/v1/session", ["email": "cleaner@example.org", "password": Kit.password])
            #expect(early.status == 403 && Kit.problem(early) == "outside-access-window", "\(early.text)")
            hub.clock.advance(by: 90 * 60)
            let guest = try await Kit.session(hub, "cleaner@example.org")
            let devices = try await Kit.call(hub, "GET", "/v1/devices", guest)
            #expect(devices.text.contains(doorID) && !devices.text.contains(lampID), "\(devices.text)")
            let lampView = try await Kit.call(hub, "GET", "/v1/devices/\(lampID)", guest)
            #expect(lampView.status == 403 && Kit.problem(lampView) == "device-not-granted", "\(lampView.text)")
            hub.clock.advance(by: 2.5 * 3600 - 60)  // 11:59, in a session of a minute ago
            let late = try await Kit.session(hub, "cleaner@example.org")
            #expect(try await Kit.call(hub, "GET", "/v1/devices", late).status == 200)
            hub.clock.advance(by: 60)  // noon
            let noon = try await Kit.call(hub, "GET", "/v1/devices", late)
            #expect(noon.status == 403 && Kit.problem(noon) == "outside-access-window", "\(noon.text)")
            hub.clock.advance(by: 5 * 86_400)  // Saturday noon, after the end
            let ended = try await Kit.call(hub, "GET", "/v1/devices", late)
            #expect(ended.status == 403 || ended.status == 401, "\(ended.text)")
            // The sweep removes the guest's place and says so in the log.
            var removed = false
            for _ in 0..<50 where !removed {
                removed = try await hub.store.read { db in
                    try await !db.audit.entries(AuditQuery(action: AuditAction.accessEnded.name, limit: 1)).isEmpty
                }
                if !removed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(removed)
            #expect(try await Kit.call(hub, "GET", "/v1/me", late).status == 401)
            let people = try await Kit.call(hub, "GET", "/v1/people", owner)
            #expect(!people.text.contains("cleaner@example.org"), "\(people.text)")
        }
    }

    @Test func removalAndRoleChangesEndSessionsAndAHouseholdKeepsAnOwner() async throws {
        try await withTestHub { hub in
            let owner = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let ownerID = try #require((try await Kit.call(hub, "GET", "/v1/me", owner).json()["person"] as? [String: Any])?["id"] as? String)
            let member = try await hub.addPerson(household: hub.householdID, email: "member@example.org", role: .member, password: Kit.password)
            let memberSession = try await Kit.session(hub, "member@example.org")

            let lastOwner = try await Kit.call(hub, "DELETE", "/v1/people/\(ownerID)", owner)
            #expect(lastOwner.status == 409 && Kit.problem(lastOwner) == "last-owner", "\(lastOwner.text)")
            let demoted = try await Kit.call(hub, "POST", "/v1/people/\(ownerID)/role", owner, ["role": "member"])
            #expect(demoted.status == 409 && Kit.problem(demoted) == "last-owner", "\(demoted.text)")

            let zoned = try await Kit.call(hub, "POST", "/v1/people/\(member.id)/role", owner, ["role": "member", "access": ["zones": ["lighting"]]])
            #expect(zoned.status == 200, "\(zoned.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/me", memberSession).status == 401, "a role change ends the sessions")
            // Signing in again works, with the new role.
            _ = try await Kit.session(hub, "member@example.org")
            let badGuest = try await Kit.call(hub, "POST", "/v1/people/\(member.id)/role", owner, ["role": "guest", "access": ["zones": ["lighting"]]])
            #expect(badGuest.status == 422, "a guest needs an end: \(badGuest.text)")
            let unknownZone = try await Kit.call(hub, "POST", "/v1/people/\(member.id)/role", owner, ["role": "member", "access": ["zones": ["attic"]]])
            #expect(unknownZone.status == 422 && Kit.problem(unknownZone) == "unknown-zone", "\(unknownZone.text)")

            // Ownership handed over: the member becomes the owner, the giver a member.
            let handed = try await Kit.call(hub, "POST", "/v1/people/\(member.id)/ownership", owner, [:])
            #expect(handed.status == 204, "\(handed.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/me", owner).status == 401)
            let newOwner = try await Kit.session(hub, "member@example.org")
            #expect(try await Kit.call(hub, "GET", "/v1/people", newOwner).status == 200)
            let removed = try await Kit.call(hub, "DELETE", "/v1/people/\(ownerID)", newOwner)
            #expect(removed.status == 204, "\(removed.text)")
            // The first owner belonged nowhere else, but operates the hub: the account stays.
            let stillOperator = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            #expect(try await Kit.call(hub, "GET", "/v1/households", stillOperator).status == 200)
            let gone = try await Kit.call(hub, "DELETE", "/v1/people/\(PersonID().rawValue)", newOwner)
            #expect(gone.status == 404, "\(gone.text)")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func suspendingAndDeletingAHousehold(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let (flat, _) = try await hub.addHousehold(name: "Flat 2", ownerEmail: "flat2@example.org", password: Kit.password)
            let flatOwner = try await Kit.session(hub, "flat2@example.org")
            let folder = try TemporaryFolder.make(prefix: "suspend")
            defer { try? FileManager.default.removeItem(at: folder) }
            let plug = try await PKITools.issue(hub, token: flatOwner, folder: folder, name: "plug", fields: ["zone": "default", "name": "plug"])
            let hubOperator = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            let plugSerial = plug.fields["serial"] as? String ?? ""
            let files = DeviceRenewalTests.DeviceFiles(folder: folder, name: "plug", key: plug.key, chain: plug.chain)
            let renewDevice = { try await DeviceRenewalTests.mutualTLS(hub, files, "GET", "/v1/device") }
            #expect(try await renewDevice()?.status == 200)

            let suspended = try await Kit.call(hub, "POST", "/v1/households/\(flat.id)/suspend", hubOperator, ["reason": "unpaid"])
            #expect(suspended.status == 200, "\(suspended.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/me", flatOwner).status == 401)
            let signIn = try await hub.client.json("POST", "/v1/session", ["email": "flat2@example.org", "password": Kit.password])
            #expect(signIn.status == 403 && Kit.problem(signIn) == "household-suspended", "\(signIn.text)")
            let device = try await renewDevice()
            #expect(device?.status == 403 && device?.code == "household-suspended", "\(String(describing: device?.body))")
            #expect(try await Kit.call(hub, "POST", "/v1/households/\(flat.id)/resume", hubOperator).status == 200)
            #expect(try await renewDevice()?.status == 200)
            let back = try await Kit.session(hub, "flat2@example.org")

            let deleted = try await Kit.call(hub, "DELETE", "/v1/households/\(flat.id)", hubOperator)
            try #require(deleted.status == 200, "\(deleted.text)")
            #expect(try deleted.json()["people_erased"] as? Int == 1)
            #expect((try deleted.json()["certificates_revoked"] as? Int ?? 0) >= 1)
            #expect(try await Kit.call(hub, "GET", "/v1/me", back).status == 401)
            #expect(try await renewDevice()?.status != 200)
            let signInAfter = try await hub.client.json("POST", "/v1/session", ["email": "flat2@example.org", "password": Kit.password])
            #expect(signInAfter.status == 401, "the account is erased: \(signInAfter.text)")
            let listed = try await Kit.call(hub, "GET", "/v1/households", hubOperator)
            #expect(!listed.text.contains(flat.id.rawValue), "\(listed.text)")
            try await hub.store.read { db in
                let entries = try await db.audit.entries(AuditQuery(householdID: flat.id.rawValue, limit: 1000))
                #expect(!entries.isEmpty && entries.allSatisfy { $0.details == nil }, "the household's audit details are redacted")
                #expect(try await db.pki.certificate(serial: plugSerial)?.status == .revoked)
            }
            // The log still verifies end to end after the redaction.
            let report = try await AuditLogVerifier(store: hub.store, key: try await AuditKey.storedVerifier(hub.store)).verify()
            #expect(report.isIntact, "\(report.findings)")
            // The household that issues the hub's own certificate cannot be deleted.
            let own = try await Kit.call(hub, "DELETE", "/v1/households/\(hub.householdID)", hubOperator)
            #expect(own.status == 409 && Kit.problem(own) == "issues-hub-certificate", "\(own.text)")
        }
    }

    @Test func anOwnerLockedOutRecoversWithOneCode() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let (_, code) = try await Kit.invite(hub, owner: try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword), role: "owner")
            let accepted = try await Kit.accept(hub, code: code, email: "second@example.org")
            let codes = try #require(try accepted.json()["recovery_codes"] as? [String])
            let old = try await Kit.session(hub, "second@example.org")
            let recover = { (code: String, password: String) in
                try await hub.client.json("POST", "/v1/recovery", ["email": "second@example.org", "code": code, "new_password": password])
            }
            let wrong = try await recover("bbbbb-ccccc", "a brand new password")
            #expect(wrong.status == 401, "\(wrong.text)")
            let recovered = try await recover(codes[0], "a brand new password")
            #expect(recovered.status == 204, "\(recovered.text)")
            #expect(try await Kit.call(hub, "GET", "/v1/me", old).status == 401, "every session ends")
            _ = try await Kit.session(hub, "second@example.org", "a brand new password")
            let reused = try await recover(codes[0], "yet another new password")
            #expect(reused.status == 401, "a code works once: \(reused.text)")
            let fresh = try await Kit.call(hub, "POST", "/v1/me/recovery-codes", try await Kit.session(hub, "second@example.org", "a brand new password"))
            #expect((try fresh.json()["recovery_codes"] as? [String])?.count == 10, "\(fresh.text)")
            #expect(try await recover(codes[1], "the third new password").status == 401, "a new set replaces the old")
        }
    }
}
