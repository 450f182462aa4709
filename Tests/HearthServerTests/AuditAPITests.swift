import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// The audit log's HTTP API as an owner uses it: what sign-in flows record, proofs that verify
/// against signed checkpoints with nothing but the public verifier, household isolation, bad
/// queries, and the background checkpoint service.
@Suite struct AuditAPITests {
    // MARK: Helpers

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    static func signIn(_ hub: TestHub, email: String? = nil, password: String? = nil) async throws -> CurlClient.Response {
        try await hub.client.json(
            "POST", "/v1/session", ["email": email ?? hub.ownerEmail, "password": password ?? hub.ownerPassword])
    }

    /// Signs in (it must succeed) and returns the session token and the person's id.
    static func session(
        _ hub: TestHub, email: String? = nil, password: String? = nil
    ) async throws -> (token: String, personID: String) {
        let response = try await signIn(hub, email: email, password: password)
        try #require(response.status == 201, "sign-in: \(response.status) \(response.text)")
        let body = try response.json()
        let person = try #require(body["person"] as? [String: Any])
        return (try #require(body["token"] as? String), try #require(person["id"] as? String))
    }

    static func get(_ hub: TestHub, _ path: String, token: String) async throws -> [String: Any] {
        let response = try await hub.client.request("GET", path, headers: bearer(token))
        try #require(response.status == 200, "GET \(path): \(response.status) \(response.text)")
        #expect(response.headers["content-type"] == "application/json")
        return try response.json()
    }

    static func entries(_ hub: TestHub, _ query: String = "limit=1000", token: String) async throws -> [[String: Any]] {
        try #require(try await get(hub, "/v1/audit/entries?\(query)", token: token)["entries"] as? [[String: Any]])
    }

    static func indexes(_ entries: [[String: Any]]) -> [Int] { entries.compactMap { $0["index"] as? Int } }

    struct SignedCheckpoint: Equatable {
        let size: Int
        let rootHash: String
        let time: String
        let note: String
        let key: String

        init(_ body: [String: Any]) throws {
            size = try #require(body["size"] as? Int)
            rootHash = try #require(body["root_hash"] as? String)
            time = try #require(body["time"] as? String)
            note = try #require(body["note"] as? String)
            key = try #require(body["key"] as? String)
        }
    }

    static func postCheckpoint(_ hub: TestHub, token: String) async throws -> SignedCheckpoint {
        let response = try await hub.client.request("POST", "/v1/audit/checkpoint", headers: bearer(token))
        try #require(response.status == 201, "POST /v1/audit/checkpoint: \(response.status) \(response.text)")
        return try SignedCheckpoint(try response.json())
    }

    static func bytes(_ base64: Any?) throws -> [UInt8] {
        let text = try #require(base64 as? String)
        return [UInt8](try #require(Data(base64Encoded: text), "not base64: \(text)"))
    }

    static func hashes(_ value: Any?) throws -> [[UInt8]] {
        try #require(value as? [String]).map { try bytes($0) }
    }

    static func flipped(_ hash: [UInt8]) -> [UInt8] {
        var hash = hash
        hash[0] ^= 0x01
        return hash
    }

    /// Entries the hub's key setup makes (CAs, CRLs, its certificate, the token-signing key).
    static func isPKI(_ action: String) -> Bool {
        ["ca.", "crl.", "certificate.", "oauth.key_"].contains { action.hasPrefix($0) }
    }

    static func logSize(_ hub: TestHub) async throws -> Int64 {
        try await hub.store.read { db in try await db.audit.size() }
    }

    static func expectProblem(
        _ response: CurlClient.Response, status: Int, code: String, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(what): \(response.text)", sourceLocation: sourceLocation)
        #expect(
            response.headers["content-type"] == "application/problem+json", "\(what): content type",
            sourceLocation: sourceLocation)
        let problem = try? response.json()
        #expect(problem?["code"] as? String == code, "\(what): \(response.text)", sourceLocation: sourceLocation)
        #expect(problem?["status"] as? Int == status, "\(what): \(response.text)", sourceLocation: sourceLocation)
        #expect(
            problem?["type"] as? String == "urn:hearth:problem:\(code)", "\(what): \(response.text)",
            sourceLocation: sourceLocation)
    }

    // MARK: Tests

    @Test(arguments: TestEngine.allCases)
    func signInFlowsAreRecordedInOrder(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let first = try await Self.session(hub)
            let wrongPassword = "pw-Wq73-not-the-password"
            #expect(try await Self.signIn(hub, password: wrongPassword).status == 401)
            let unknownEmail = "nobody-\(UInt32.random(in: 1...UInt32.max))@example.org"
            let unknown = try await Self.signIn(hub, email: unknownEmail, password: wrongPassword)
            #expect(unknown.status == 401)
            #expect(!unknown.text.contains(unknownEmail) && !unknown.text.contains("nobody-"))
            #expect(!unknown.text.contains(wrongPassword))
            let second = try await Self.session(hub)
            #expect(second.personID == first.personID)
            let signOut = try await hub.client.request("DELETE", "/v1/session", headers: Self.bearer(first.token))
            #expect(signOut.status == 204)
            let newPassword = "a-new-long-password-\(UInt32.random(in: 1...UInt32.max))"
            let change = try await hub.client.json(
                "POST", "/v1/me/password", ["current_password": hub.ownerPassword, "new_password": newPassword],
                headers: Self.bearer(second.token))
            #expect(change.status == 204, "\(change.text)")

            let household = hub.householdID.rawValue
            let me = "person:\(first.personID)"
            let anonymous = "anonymous:127.0.0.1"
            func sessionSubject(_ token: String) -> String { "session:" + SecretToken.digest(of: token).prefix(16) }
            let expected: [(action: String, actor: String, subject: String)] = [
                ("person.password_changed", me, me),
                ("session.ended", me, sessionSubject(first.token)),
                ("session.login_succeeded", me, sessionSubject(second.token)),
                ("session.login_failed", anonymous, me),
                ("session.login_succeeded", me, sessionSubject(first.token)),
                ("person.created", "system:init", me),
                ("household.created", "system:init", "household:\(household)"),
            ]

            let listing = try await hub.client.request(
                "GET", "/v1/audit/entries?limit=1000", headers: Self.bearer(second.token))
            try #require(listing.status == 200, "\(listing.text)")
            // Init's PKI entries (CAs, CRLs, the hub's certificate) are not what this test is about;
            // paging and time filters still cover the whole page.
            let page = try #require(try listing.json()["entries"] as? [[String: Any]])
            let allIndexes = Self.indexes(page)
            let listed = page.filter { !Self.isPKI($0["action"] as? String ?? "") }
            // The last page says so with an explicit null.
            #expect(try listing.json()["next_cursor"] is NSNull, "a short page has no next page")
            #expect(listed.map { $0["action"] as? String ?? "?" } == expected.map(\.action))
            for (entry, want) in zip(listed, expected) {
                #expect(entry["actor"] as? String == want.actor, "\(want.action)")
                #expect(entry["subject"] as? String == want.subject, "\(want.action)")
                #expect(entry["household_id"] as? String == household, "\(want.action)")
                #expect((entry["leaf_hash"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 32)
            }
            let listedIndexes = Self.indexes(listed)
            #expect(listedIndexes.count == listed.count)
            #expect(listedIndexes == listedIndexes.sorted(by: >), "newest first")
            #expect(Set(listedIndexes).count == listedIndexes.count)

            // The unknown account's failure is in the log, hub-wide (no household), without the email.
            let stored = try await hub.store.read { db in try await db.audit.entries(AuditQuery(limit: 1000)) }
                .filter { !Self.isPKI($0.action) }
            #expect(stored.map(\.action) == [
                "person.password_changed", "session.ended", "session.login_succeeded", "session.login_failed",
                "session.login_failed", "session.login_succeeded", "person.created", "household.created",
            ])
            let unknownEntries = stored.filter { $0.subject == "account:unknown" }
            #expect(unknownEntries.count == 1)
            if let entry = unknownEntries.first {
                #expect(entry.action == "session.login_failed")
                #expect(entry.actor == anonymous)
                #expect(entry.householdID == nil)
                #expect(entry.index == stored[3].index, "recorded between the wrong password and the second sign-in")
            }
            // Owners see exactly their household's entries.
            #expect(listedIndexes == stored.filter { $0.householdID == household }.map { Int($0.index) })

            // No secret reaches the log, neither in the API's answer nor in the stored entries.
            let storedText = stored.map { [$0.actor, $0.action, $0.subject, $0.reason, $0.details ?? ""].joined(separator: "|") }
                .joined(separator: "\n")
            let secrets = [
                hub.ownerPassword, newPassword, wrongPassword, first.token, second.token,
                String(first.token.dropFirst(4)), String(second.token.dropFirst(4)),
                SecretToken.digest(of: first.token), SecretToken.digest(of: second.token),
            ]
            for secret in secrets {
                #expect(!listing.text.contains(secret), "the audit API answer contains a secret")
                #expect(!storedText.contains(secret), "a stored audit entry contains a secret")
            }
            #expect(!listing.text.contains(unknownEmail) && !storedText.contains(unknownEmail))
            #expect(!listing.text.contains("nobody-") && !storedText.contains("nobody-"))

            // Filters.
            let failures = try await Self.entries(hub, "action=session.login_failed", token: second.token)
            #expect(stored.filter { $0.action == "session.login_failed" }.count == 2)
            #expect(Self.indexes(failures) == stored.filter {
                $0.action == "session.login_failed" && $0.householdID == household
            }.map { Int($0.index) })
            #expect(failures.count == 1, "the unknown account's failure belongs to no household")
            #expect(failures.first?["subject"] as? String == me)

            let mine = try await Self.entries(hub, "actor=\(me)", token: second.token)
            #expect(mine.count == 4)
            #expect(mine.allSatisfy { $0["actor"] as? String == me })
            #expect(Self.indexes(mine) == zip(listedIndexes, expected).filter { $0.1.actor == me }.map { $0.0 })

            let firstSession = try await Self.entries(hub, "subject=\(sessionSubject(first.token))", token: second.token)
            #expect(firstSession.map { $0["action"] as? String ?? "?" } == ["session.ended", "session.login_succeeded"])

            let combined = try await Self.entries(
                hub, "actor=\(me)&action=session.login_succeeded", token: second.token)
            #expect(combined.map { $0["subject"] as? String ?? "?" } == [sessionSubject(second.token), sessionSubject(first.token)])

            #expect(try await Self.entries(hub, "until=2000-01-01T00:00:00Z", token: second.token).isEmpty)
            #expect(Self.indexes(try await Self.entries(hub, "since=2000-01-01T00:00:00Z", token: second.token))
                == allIndexes)
            #expect(try await Self.entries(hub, "since=2999-01-01T00:00:00.500Z", token: second.token).isEmpty)

            // Pages of two walk every entry once, newest first.
            var walked: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await Self.get(
                    hub, "/v1/audit/entries?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: second.token)
                let items = try #require(page["entries"] as? [[String: Any]])
                #expect(items.count <= 2)
                walked += Self.indexes(items)
                cursor = page["next_cursor"] as? String
                if let cursor { #expect(cursor == walked.last.map(String.init), "the cursor is the last index seen") }
                pages += 1
            } while cursor != nil && pages < 50
            #expect(walked == allIndexes)
            // No trailing empty page: the last full page already says there is no next one.
            #expect(pages == (allIndexes.count + 1) / 2)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func proofsVerifyAgainstSignedCheckpointsOnly(engine: TestEngine) async throws {
        try await withTestHub(engine: engine) { hub in
            let initial = try await Self.logSize(hub)
            let owner = try await Self.session(hub)
            #expect(try await Self.signIn(hub, password: "pw-Wq73-not-the-password").status == 401)
            let other = try await Self.session(hub)
            let a = try await Self.postCheckpoint(hub, token: owner.token)
            #expect(Int64(a.size) == initial + 3, "init's entries, two sign-ins and a failure")
            let signOut = try await hub.client.request("DELETE", "/v1/session", headers: Self.bearer(other.token))
            #expect(signOut.status == 204)
            _ = try await Self.session(hub)
            let b = try await Self.postCheckpoint(hub, token: owner.token)
            #expect(b.size == a.size + 2)
            #expect(Int64(b.size) == (try await Self.logSize(hub)))

            let storedKey = try await AuditKey.storedVerifier(hub.store).description
            #expect(a.key == storedKey)
            #expect(b.key == storedKey)
            let latest = try SignedCheckpoint(try await Self.get(hub, "/v1/audit/checkpoint", token: owner.token))
            #expect(latest == b)

            let verifier = LogVerifier(key: try NoteVerifierKey(parsing: b.key))
            let openedA = try verifier.open(a.note)
            let openedB = try verifier.open(b.note)
            #expect(openedA.size == Int64(a.size))
            #expect(openedA.rootHash == (try Self.bytes(a.rootHash)))
            #expect(openedB.size == Int64(b.size))
            #expect(openedB.rootHash == (try Self.bytes(b.rootHash)))
            #expect(openedA.rootHash != openedB.rootHash)

            // Every entry is proven in B with the proof, its leaf hash and B's note alone.
            let listed = try await Self.entries(hub, token: owner.token)
            let hubWide = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(limit: 1000)).filter { $0.householdID == nil }.map { Int($0.index) }
            }
            #expect(
                Self.indexes(listed).sorted() == Array(0..<b.size).filter { !hubWide.contains($0) },
                "every entry but the hub-wide ones (the root CA's), which belong to no household")
            var proofs: [Int: (leaf: [UInt8], path: [[UInt8]])] = [:]
            for entry in listed {
                let index = try #require(entry["index"] as? Int)
                let proof = try await Self.get(
                    hub, "/v1/audit/proof/inclusion?index=\(index)&size=\(b.size)", token: owner.token)
                #expect(proof["index"] as? Int == index)
                #expect(proof["size"] as? Int == b.size)
                #expect(proof["leaf_hash"] as? String == entry["leaf_hash"] as? String, "entry \(index)")
                #expect(proof["checkpoint"] as? String == b.note)
                let leaf = try Self.bytes(proof["leaf_hash"])
                let path = try Self.hashes(proof["audit_path"])
                let head = try verifier.verifyInclusion(leafHash: leaf, index: Int64(index), path: path, note: b.note)
                #expect(head.size == Int64(b.size))
                proofs[index] = (leaf, path)
            }
            #expect(proofs.count == b.size - hubWide.count)

            // The size defaults to the latest checkpoint's; an older size is proven against its own note.
            let defaulted = try await Self.get(hub, "/v1/audit/proof/inclusion?index=0", token: owner.token)
            #expect(defaulted["size"] as? Int == b.size)
            #expect(defaulted["checkpoint"] as? String == b.note)
            let early = try await Self.get(hub, "/v1/audit/proof/inclusion?index=1&size=\(a.size)", token: owner.token)
            #expect(early["checkpoint"] as? String == a.note)
            let earlyPath = try Self.hashes(early["audit_path"])
            let earlyLeaf = try Self.bytes(early["leaf_hash"])
            #expect(try verifier.verifyInclusion(leafHash: earlyLeaf, index: 1, path: earlyPath, note: a.note).size
                == Int64(a.size))

            let consistency = try await Self.get(
                hub, "/v1/audit/proof/consistency?from=\(a.size)&to=\(b.size)", token: owner.token)
            #expect(consistency["from"] as? Int == a.size)
            #expect(consistency["to"] as? Int == b.size)
            let consistencyPath = try Self.hashes(consistency["consistency_path"])
            #expect(!consistencyPath.isEmpty)
            try verifier.verifyConsistency(oldNote: a.note, newNote: b.note, path: consistencyPath)

            // Anything altered is refused.
            let sampleIndex = try #require(proofs.keys.sorted().first { proofs[$0 + 1] != nil && $0 > 0 })
            let sample = try #require(proofs[sampleIndex])
            let neighbour = try #require(proofs[sampleIndex + 1])
            #expect(!sample.path.isEmpty)
            #expect(throws: (any Error).self, "a flipped bit in the audit path") {
                try verifier.verifyInclusion(
                    leafHash: sample.leaf, index: Int64(sampleIndex), path: [Self.flipped(sample.path[0])] + sample.path.dropFirst(),
                    note: b.note)
            }
            #expect(throws: (any Error).self, "a shortened audit path") {
                try verifier.verifyInclusion(leafHash: sample.leaf, index: Int64(sampleIndex), path: Array(sample.path.dropLast()), note: b.note)
            }
            #expect(throws: (any Error).self, "another entry's leaf hash") {
                try verifier.verifyInclusion(leafHash: neighbour.leaf, index: Int64(sampleIndex), path: sample.path, note: b.note)
            }
            #expect(throws: (any Error).self, "the wrong index") {
                try verifier.verifyInclusion(leafHash: sample.leaf, index: Int64(sampleIndex + 1), path: sample.path, note: b.note)
            }
            #expect(throws: (any Error).self, "a proof for size B held against checkpoint A") {
                try verifier.verifyInclusion(leafHash: sample.leaf, index: Int64(sampleIndex), path: sample.path, note: a.note)
            }
            // Only a note the hub's key signed counts, even one naming exactly the real head.
            let forged = try CheckpointSigner(origin: openedB.origin, key: Curve25519.Signing.PrivateKey())
                .sign(size: openedB.size, rootHash: openedB.rootHash, time: openedB.time)
            #expect(throws: (any Error).self, "a note signed by another key") {
                try verifier.verifyInclusion(leafHash: sample.leaf, index: Int64(sampleIndex), path: sample.path, note: forged)
            }
            let edited = b.note.replacingOccurrences(of: "\n\(b.size)\n", with: "\n\(b.size + 1)\n")
            #expect(edited != b.note)
            #expect(throws: (any Error).self, "a signed note whose size was edited") { try verifier.open(edited) }
            #expect(throws: (any Error).self, "a flipped bit in the consistency path") {
                try verifier.verifyConsistency(
                    oldNote: a.note, newNote: b.note,
                    path: [Self.flipped(consistencyPath[0])] + consistencyPath.dropFirst())
            }
            #expect(throws: (any Error).self, "the checkpoints swapped") {
                try verifier.verifyConsistency(oldNote: b.note, newNote: a.note, path: consistencyPath)
            }
            #expect(throws: (any Error).self, "a consistency proof against a forged new head") {
                try verifier.verifyConsistency(oldNote: a.note, newNote: forged, path: consistencyPath)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func ownersSeeOnlyTheirHousehold(engine: TestEngine) async throws {
        // No background checkpoint between the member's refused POST and the snapshot after it.
        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .seconds(3600) }) { hub in
            let owner = try await Self.session(hub)
            let password = "a-long-password-123"
            let otherHousehold = try Household(name: "Other home", createdAt: hub.clock.now)
            try await hub.store.write { db in try await db.households.insert(otherHousehold) }
            let otherOwnerPerson = try await hub.addPerson(household: otherHousehold.id, email: "owner2@example.org", role: .owner, password: password)
            let memberPerson = try await hub.addPerson(household: hub.householdID, email: "member@example.org", role: .member, password: password)
            let otherEntry = try await hub.store.write { db in
                try await db.audit.append(AuditEvent(
                    "test.other", actor: .system("test"), subject: "thing:1", household: otherHousehold.id))
            }
            let otherOwner = try await Self.session(hub, email: "owner2@example.org", password: password)
            #expect(otherOwner.personID == otherOwnerPerson.id.rawValue)
            let member = try await Self.session(hub, email: "member@example.org", password: password)
            #expect(member.personID == memberPerson.id.rawValue)

            // A member may read nothing of the log, nor sign a checkpoint.
            let before = try await DatabaseSnapshot.take(hub.store)
            let sizeBefore = try await Self.logSize(hub)
            let latestBefore = try await hub.store.read { db in try await db.audit.latestCheckpoint() }
            #expect(latestBefore.map(\.size) != sizeBefore, "the head has moved, so a checkpoint would be new")
            for (method, path) in [
                ("GET", "/v1/audit/entries"), ("GET", "/v1/audit/checkpoint"), ("POST", "/v1/audit/checkpoint"),
                ("GET", "/v1/audit/proof/inclusion?index=0&size=1"), ("GET", "/v1/audit/proof/consistency?from=1&to=2"),
            ] {
                let response = try await hub.client.request(method, path, headers: Self.bearer(member.token))
                Self.expectProblem(response, status: 403, code: "forbidden", "member \(method) \(path)")
                #expect(!response.text.contains("leaf_hash") && !response.text.contains("note"))
            }
            #expect(try await DatabaseSnapshot.take(hub.store) == before, "a refused request changed the database")

            let checkpoint = try await Self.postCheckpoint(hub, token: owner.token)
            #expect(Int64(checkpoint.size) == (try await Self.logSize(hub)))
            #expect(Int64(checkpoint.size) > otherEntry.index)

            // Owner 1 sees household 1 only (the member's sign-in included), never the other household.
            let stored = try await hub.store.read { db in try await db.audit.entries(AuditQuery(limit: 1000)) }
            let mine = try await Self.entries(hub, token: owner.token)
            #expect(mine.allSatisfy { $0["household_id"] as? String == hub.householdID.rawValue })
            #expect(Self.indexes(mine) == stored.filter { $0.householdID == hub.householdID.rawValue }.map { Int($0.index) })
            #expect(!Self.indexes(mine).contains(Int(otherEntry.index)))
            #expect(mine.contains { $0["actor"] as? String == "person:\(member.personID)" })
            #expect(!mine.contains { ($0["actor"] as? String) == "person:\(otherOwner.personID)" })
            #expect(!mine.contains { ($0["subject"] as? String) == "thing:1" })
            #expect(try await Self.entries(hub, "subject=thing:1", token: owner.token).isEmpty)

            // Owner 2 sees exactly their household's two entries.
            let theirs = try await Self.entries(hub, token: otherOwner.token)
            #expect(theirs.map { $0["action"] as? String ?? "?" } == ["session.login_succeeded", "test.other"])
            #expect(theirs.allSatisfy { $0["household_id"] as? String == otherHousehold.id.rawValue })
            #expect(Self.indexes(theirs).last == Int(otherEntry.index))

            // The other household's entry is absent for owner 1 and proven for owner 2.
            let refused = try await hub.client.request(
                "GET", "/v1/audit/proof/inclusion?index=\(otherEntry.index)", headers: Self.bearer(owner.token))
            Self.expectProblem(refused, status: 404, code: "not-found", "owner 1 proving household 2's entry")
            #expect(!refused.text.contains("leaf_hash"))
            let refusedOther = try await hub.client.request(
                "GET", "/v1/audit/proof/inclusion?index=0", headers: Self.bearer(otherOwner.token))
            Self.expectProblem(refusedOther, status: 404, code: "not-found", "owner 2 proving household 1's entry")

            let proof = try await Self.get(
                hub, "/v1/audit/proof/inclusion?index=\(otherEntry.index)", token: otherOwner.token)
            #expect(proof["size"] as? Int == checkpoint.size)
            #expect(proof["leaf_hash"] as? String == theirs.last?["leaf_hash"] as? String)
            #expect(proof["leaf_hash"] as? String == Data(otherEntry.leafHash).base64EncodedString())
            let seen = try SignedCheckpoint(try await Self.get(hub, "/v1/audit/checkpoint", token: otherOwner.token))
            #expect(seen == checkpoint)
            #expect(seen.key == (try await AuditKey.storedVerifier(hub.store).description))
            let verifier = LogVerifier(key: try NoteVerifierKey(parsing: seen.key))
            let head = try verifier.verifyInclusion(
                leafHash: try Self.bytes(proof["leaf_hash"]), index: otherEntry.index,
                path: try Self.hashes(proof["audit_path"]), note: seen.note)
            #expect(head.size == Int64(checkpoint.size))
        }
    }

    struct BadQuery: Sendable, CustomTestStringConvertible {
        let method: String
        let path: String
        let status: Int
        let code: String
        let signedIn: Bool
        var testDescription: String { "\(method) \(path)" }

        init(_ path: String, _ status: Int, _ code: String, method: String = "GET", signedIn: Bool = true) {
            self.method = method
            self.path = path
            self.status = status
            self.code = code
            self.signedIn = signedIn
        }
    }

    static let badQueries: [BadQuery] = [
        BadQuery("/v1/audit/entries?limit=0", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?limit=5000", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?limit=1001", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?limit=abc", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?since=yesterday", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?until=2024-13-01T00:00:00Z", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?cursor=-1", 400, "invalid-query"),
        BadQuery("/v1/audit/entries?cursor=abc", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/inclusion", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/inclusion?index=abc", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/inclusion?index=-1", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/inclusion?index=0&size=abc", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/inclusion?index=999999", 422, "out-of-range"),
        BadQuery("/v1/audit/proof/inclusion?index=0&size=999999", 422, "out-of-range"),
        BadQuery("/v1/audit/proof/inclusion?index=3&size=3", 422, "out-of-range"),
        BadQuery("/v1/audit/proof/consistency?from=5&to=2", 422, "out-of-range"),
        BadQuery("/v1/audit/proof/consistency?from=0&to=999999", 422, "out-of-range"),
        BadQuery("/v1/audit/proof/consistency?from=x", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/consistency?from=x&to=2", 400, "invalid-query"),
        BadQuery("/v1/audit/proof/consistency?from=1", 400, "invalid-query"),
        BadQuery("/v1/audit/checkpoint", 401, "unauthenticated", signedIn: false),
        BadQuery("/v1/audit/checkpoint", 401, "unauthenticated", method: "POST", signedIn: false),
        BadQuery("/v1/audit/proof/consistency?from=1&to=2", 401, "unauthenticated", signedIn: false),
    ]

    @Test(arguments: TestEngine.allCases)
    func badQueriesGetProblemsAndChangeNothing(engine: TestEngine) async throws {
        // No background checkpoint may land between the two snapshots.
        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .seconds(3600) }) { hub in
            let owner = try await Self.session(hub)
            #expect(try await Self.signIn(hub, password: "pw-Wq73-not-the-password").status == 401)
            // The head moves past the last checkpoint, so an unauthenticated POST would sign a new one.
            let latest = try await hub.store.read { db in try await db.audit.latestCheckpoint() }
            #expect(latest.map(\.size) != (try await Self.logSize(hub)))
            let before = try await DatabaseSnapshot.take(hub.store)
            for query in Self.badQueries {
                let response = try await hub.client.request(
                    query.method, query.path, headers: query.signedIn ? Self.bearer(owner.token) : [:])
                Self.expectProblem(response, status: query.status, code: query.code, query.testDescription)
                let problem = try? response.json()
                #expect(problem?["instance"] as? String == String(query.path.split(separator: "?")[0]))
                #expect((problem?["detail"] as? String)?.isEmpty == false)
            }
            #expect(try await DatabaseSnapshot.take(hub.store) == before, "a refused query changed the database")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func checkpointsFollowNewEntriesWithinSeconds(engine: TestEngine) async throws {
        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .milliseconds(200) }) { hub in
            let initial = try await hub.store.read { db in try await db.audit.checkpoints() }
            let initialSize = try await Self.logSize(hub)
            #expect(initial.last?.size == initialSize, "the hub starts with its head signed")

            _ = try await Self.session(hub)
            let size = try await Self.logSize(hub)
            #expect(size == initialSize + 1)

            var latest: AuditRecords.StoredCheckpoint?
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                latest = try await hub.store.read { db in try await db.audit.latestCheckpoint() }
                if latest?.size == size { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let signed = try #require(latest)
            try #require(signed.size == size, "no checkpoint of the new head within 10 s (latest: \(signed.size))")
            let opened = try LogVerifier(key: try await AuditKey.storedVerifier(hub.store)).open(signed.note)
            #expect(opened.size == size)
            #expect(opened.rootHash == (try await hub.store.read { db in try await db.audit.rootHash(size: size) }))
            let afterSigning = try await hub.store.read { db in try await db.audit.checkpoints() }
            #expect(afterSigning.count == initial.count + 1, "one new entry, one new checkpoint")

            // With nothing new to sign, about five more runs of the service sign nothing.
            try await Task.sleep(for: .seconds(1))
            #expect(try await hub.store.read { db in try await db.audit.checkpoints() } == afterSigning)
            #expect(try await Self.logSize(hub) == size)
        }
    }
}
