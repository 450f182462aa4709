import Foundation
import HearthTesting
import HearthAudit
import HearthHub
import HearthServer
import HearthStore
import Testing

/// The hub's audit log checked by `scripts/audit-verify.py`, a verifier written in Python from
/// RFC 9162 and the C2SP signed-note format that shares no code with the hub: what the hub serves
/// must verify there, and a bundle tampered with in any one place must not.
@Suite struct IndependentVerifierTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/audit-verify.py").path

    static func runScript(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run("/usr/bin/env", ["python3", script] + arguments)
    }

    /// Writes the bundle to a temporary file and runs the verifier on it.
    static func verify(_ bundle: Data) async throws -> ProcessRunner.Result {
        let folder = try TemporaryFolder.make(prefix: "audit-verify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bundle.json").path
        try bundle.write(to: URL(fileURLWithPath: path))
        return try await runScript([path])
    }

    static func signIn(_ hub: TestHub, password: String? = nil) async throws -> CurlClient.Response {
        try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": password ?? hub.ownerPassword])
    }

    static func token(_ response: CurlClient.Response) throws -> String {
        try #require(response.status == 201)
        return try #require(try response.json()["token"] as? String)
    }

    static func get(_ hub: TestHub, _ path: String, token: String) async throws -> [String: Any] {
        let response = try await hub.client.request("GET", path, headers: ["Authorization": "Bearer \(token)"])
        try #require(response.status == 200, "GET \(path): \(response.text)")
        return try response.json()
    }

    static func checkpoint(_ hub: TestHub, token: String) async throws -> (size: Int, note: String, key: String) {
        let response = try await hub.client.request(
            "POST", "/v1/audit/checkpoint", headers: ["Authorization": "Bearer \(token)"])
        try #require(response.status == 201, "POST /v1/audit/checkpoint: \(response.text)")
        let body = try response.json()
        return (try #require(body["size"] as? Int), try #require(body["note"] as? String), try #require(body["key"] as? String))
    }

    /// Makes some entries and two checkpoints A and B, then collects everything the API serves
    /// about them: all entries, each entry's inclusion proof in B and the consistency proof A→B.
    static func makeBundle(engine: TestEngine) async throws -> Data {
        try await withTestHub(engine: engine) { hub in
            let token = try Self.token(try await signIn(hub))
            let second = try Self.token(try await signIn(hub))
            #expect(try await signIn(hub, password: "not the password").status == 401)
            let signOut = try await hub.client.request("DELETE", "/v1/session", headers: ["Authorization": "Bearer \(second)"])
            #expect(signOut.status == 204)
            let a = try await checkpoint(hub, token: token)
            _ = try Self.token(try await signIn(hub))
            let b = try await checkpoint(hub, token: token)
            #expect(b.size == a.size + 1, "one sign-in between the checkpoints adds one entry")
            #expect(a.key == b.key)

            let served = try #require(
                try await get(hub, "/v1/audit/entries?limit=1000", token: token)["entries"] as? [[String: Any]])
            let indexes = served.compactMap { $0["index"] as? Int }
            // Hub-wide entries (the root CA and its CRL) belong to no household, so no owner sees
            // them; an operator gets them with `hearth audit export` (the same JSON) and proofs
            // from the stored tree. The bundle holds both, so the whole log can be recomputed.
            let hubWide = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(limit: 1000)).filter { $0.householdID == nil && $0.index < b.size }
            }
            #expect(!hubWide.isEmpty)
            #expect(
                indexes.sorted() == Array(0..<b.size).filter { index in !hubWide.contains { $0.index == index } },
                "the owner sees every entry of this one-household hub but the hub-wide ones")
            var entries = served
            var inclusion: [[String: Any]] = []
            for entry in hubWide {
                let line = try AuditEntryView.jsonLine(entry)
                entries.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
                let path = try await hub.store.read { db in try await db.audit.inclusionProof(index: entry.index, size: Int64(b.size)) }
                inclusion.append([
                    "entry_index": Int(entry.index), "size": b.size,
                    "audit_path": path.map { Data($0).base64EncodedString() }, "note": b.note,
                ])
            }
            for index in indexes where index < b.size {
                let proof = try await get(hub, "/v1/audit/proof/inclusion?index=\(index)&size=\(b.size)", token: token)
                #expect(proof["checkpoint"] as? String == b.note)
                inclusion.append([
                    "entry_index": index, "size": b.size, "audit_path": try #require(proof["audit_path"] as? [String]),
                    "note": b.note,
                ])
            }
            let consistency = try await get(hub, "/v1/audit/proof/consistency?from=\(a.size)&to=\(b.size)", token: token)
            let bundle: [String: Any] = [
                "key": b.key,
                "entries": entries,
                "checkpoints": [a.note, b.note],
                "inclusion": inclusion,
                "consistency": [[
                    "old_note": a.note, "new_note": b.note,
                    "consistency_path": try #require(consistency["consistency_path"] as? [String]),
                ]],
                "all_leaves": true,
            ]
            return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys])
        }
    }

    /// The bundle with one change made by `change`.
    static func tampered(_ bundle: Data, _ change: (inout [String: Any]) throws -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: bundle) as? [String: Any])
        try change(&object)
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Standard base64 with one bit of byte `at` flipped (negative `at` counts from the end).
    static func flippingByte(of base64: String, at position: Int) throws -> String {
        var bytes = [UInt8](try #require(Data(base64Encoded: base64)))
        let index = position >= 0 ? position : bytes.count + position
        bytes[index] ^= 0x01
        let flipped = Data(bytes).base64EncodedString()
        #expect(flipped.count == base64.count && flipped != base64)
        return flipped
    }

    static func lines(_ result: ProcessRunner.Result) -> [String] {
        result.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test func selfTestMatchesTheCertificateTransparencyVectors() async throws {
        let result = try await Self.runScript(["--self-test"])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let lines = Self.lines(result)
        #expect(lines.contains("ok inclusion of leaf 5 in size 8"))
        #expect(lines.contains("ok consistency of size 6 with 8"))
        #expect(!lines.contains { $0.hasPrefix("FAIL") })
    }

    @Test(arguments: TestEngine.allCases)
    func everythingTheHubServesVerifiesIndependently(engine: TestEngine) async throws {
        let bundle = try await Self.makeBundle(engine: engine)
        let object = try #require(try JSONSerialization.jsonObject(with: bundle) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]]).count
        #expect(entries >= 7)
        let result = try await Self.verify(bundle)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let lines = Self.lines(result)
        #expect(lines.last == "verified: \(entries) entries, 2 checkpoints, \(entries) inclusion proofs, 1 consistency proofs")
        #expect(lines.contains("ok recomputed root of size \(entries)"))
        #expect(lines.contains("ok recomputed root of size \(entries - 1)"))
        #expect(!lines.contains { $0.hasPrefix("FAIL") })
    }

    @Test(arguments: TestEngine.allCases)
    func anyTamperingIsCaught(engine: TestEngine) async throws {
        let bundle = try await Self.makeBundle(engine: engine)
        let untouched = try await Self.verify(bundle)
        try #require(untouched.status == 0, "the untouched bundle must verify: \(untouched.standardOutput)")

        let variants: [(name: String, failure: String, bundle: Data)] = [
            ("an entry's reason changed by one character", "FAIL entry", try Self.tampered(bundle) { object in
                var entries = try #require(object["entries"] as? [[String: Any]])
                let reason = try #require(entries[0]["reason"] as? String)
                try #require(!reason.isEmpty)
                entries[0]["reason"] = String(reason.dropLast()) + (reason.last == "x" ? "y" : "x")
                object["entries"] = entries
            }),
            ("one byte of an audit path flipped", "FAIL inclusion", try Self.tampered(bundle) { object in
                var proofs = try #require(object["inclusion"] as? [[String: Any]])
                var path = try #require(proofs[0]["audit_path"] as? [String])
                try #require(!path.isEmpty)
                path[0] = try Self.flippingByte(of: path[0], at: 0)
                proofs[0]["audit_path"] = path
                object["inclusion"] = proofs
            }),
            ("the consistency path's first element replaced", "FAIL consistency", try Self.tampered(bundle) { object in
                var proofs = try #require(object["consistency"] as? [[String: Any]])
                var path = try #require(proofs[0]["consistency_path"] as? [String])
                try #require(!path.isEmpty)
                let replacement = Data(repeating: 0xAB, count: 32).base64EncodedString()
                try #require(path[0] != replacement)
                path[0] = replacement
                proofs[0]["consistency_path"] = path
                object["consistency"] = proofs
            }),
            ("a checkpoint's signature altered", "FAIL checkpoint 1 signature", try Self.tampered(bundle) { object in
                var notes = try #require(object["checkpoints"] as? [String])
                var lines = notes[1].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                // The note ends in "\n", so the last signature line is the one before the empty last element.
                let last = lines.count - 2
                var parts = lines[last].split(separator: " ").map(String.init)
                try #require(parts.count == 3 && parts[0] == "\u{2014}")
                parts[2] = try Self.flippingByte(of: parts[2], at: -1)
                lines[last] = parts.joined(separator: " ")
                notes[1] = lines.joined(separator: "\n")
                object["checkpoints"] = notes
            }),
        ]
        for variant in variants {
            #expect(variant.bundle != bundle)
            let result = try await Self.verify(variant.bundle)
            #expect(result.status == 1, "\(variant.name): \(result.standardOutput)\(result.standardError)")
            #expect(
                Self.lines(result).contains { $0.hasPrefix(variant.failure) },
                "\(variant.name) should show a line starting with \(variant.failure): \(result.standardOutput)")
        }
    }
}
