import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// The firmware repository against python-tuf's ngclient (docs/firmware.md): a maker registered
/// and its signed release published through the operator's API, downloaded and verified by a TUF
/// client nobody here wrote — which refuses expired metadata, a rollback, a maker's metadata
/// signed by another key, an image from a maker not delegated for its model, and an image altered
/// on the way or on disk. Key rotation keeps a client that trusted the old keys working.
@Suite(.requires(.pythonModule("tuf.ngclient"))) struct FirmwareRepositoryTests {
    typealias Kit = PeopleTestKit
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/tuf_client.py").path

    /// One run of `tuf_client.py`: what the client reported.
    struct Client {
        let hub: TestHub
        let folder: URL
        let root: URL

        func fetch(_ target: String, cache: String, attack: [String: Any]? = nil) async throws -> [String: Any] {
            var config: [String: Any] = [
                "base": "https://127.0.0.1:\(hub.port)", "ca": hub.certificatePath, "root": root.path,
                "dir": folder.appendingPathComponent(cache).path, "target": target,
                "out": folder.appendingPathComponent("downloads-\(cache)").path,
            ]
            if let attack { config["attack"] = attack }
            let path = folder.appendingPathComponent("config-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: config).write(to: path)
            let run = try await ProcessRunner.run("/usr/bin/env", ["python3", FirmwareRepositoryTests.script, path.path])
            let line = run.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
            guard let report = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                Issue.record("tuf_client.py said: \(run.standardOutput) \(run.standardError)")
                return [:]
            }
            return report
        }
    }

    static func headers(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    static func publish(_ hub: TestHub, _ token: String, maker: String, _ metadata: SignedMetadata) async throws -> CurlClient.Response {
        var headers = headers(token)
        headers["Content-Type"] = "application/json"
        return try await hub.client.request("POST", "/v1/hub/firmware/makers/\(maker)/metadata", headers: headers, body: Data(metadata.bytes))
    }

    static func upload(_ hub: TestHub, _ token: String, _ image: [UInt8], as sha256: String? = nil) async throws -> CurlClient.Response {
        var headers = headers(token)
        headers["Content-Type"] = "application/octet-stream"
        let address = sha256 ?? SHA256.hash(data: image).hexString
        return try await hub.client.request("PUT", "/v1/hub/firmware/images/\(address)", headers: headers, body: Data(image))
    }

    static func metadata(_ hub: TestHub, _ file: String) async throws -> [UInt8] {
        let response = try await hub.client.request("GET", "/tuf/metadata/\(file)")
        try #require(response.status == 200, "GET \(file): \(response.status) \(response.text)")
        return Array(response.body)
    }

    @Test(arguments: TestEngine.allCases)
    func aStandardClientVerifiesAReleaseAndRefusesEveryAttack(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        // Two days behind: the timestamp the hub signs first (valid one day) has expired for the
        // client, which keeps real time.
        // No background checkpoint signs the sign-ins between two snapshots.
        try await withTestHub(
            engine: engine, startingAt: Date().addingTimeInterval(-2 * 86_400), configure: { $0.auditCheckpointInterval = .seconds(3600) }
        ) { hub in
            let folder = try TemporaryFolder.make(prefix: "tuf-client")
            defer { try? FileManager.default.removeItem(at: folder) }
            var token = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            let owner = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword)
            let acme = TUFSigningKey.generate(), globex = TUFSigningKey.generate(.ecdsaP256), stranger = TUFSigningKey.generate()
            let validUntil = Date().addingTimeInterval(30 * 86_400)

            // Makers, through the operator's API; what is wrong is a problem and changes nothing.
            let before = try await DatabaseSnapshot.take(hub.store)
            for (body, status, code) in [
                (["id": "Acme!", "name": "Acme", "keys": [MakerKeys.pem(acme.publicKey)], "models": ["lamp-x"]], 422, "invalid-input"),
                (["id": "acme", "name": "Acme", "keys": ["not a key"], "models": ["lamp-x"]], 422, "invalid-body"),
                (["id": "acme", "name": "Acme", "keys": [MakerKeys.pem(acme.publicKey)], "models": ["lamp x"]], 422, "invalid-input"),
                (["id": "acme", "name": "Acme", "keys": [MakerKeys.pem(acme.publicKey)], "threshold": 2, "models": ["lamp-x"]], 422, "invalid-input"),
            ] as [([String: Any], Int, String)] {
                AuditAPITests.expectProblem(try await Kit.call(hub, "POST", "/v1/hub/firmware/makers", token, body), status: status, code: code, "\(body)")
            }
            let asOwner = try await Kit.call(hub, "POST", "/v1/hub/firmware/makers", owner, ["id": "acme", "name": "Acme", "keys": [], "models": []])
            AuditAPITests.expectProblem(asOwner, status: 403, code: "operator-session-required", "an owner registering a maker")
            #expect(try await Kit.call(hub, "GET", "/v1/hub/firmware/makers", nil).status == 401)
            #expect(try await DatabaseSnapshot.take(hub.store) == before)

            let registered = try await Kit.call(hub, "POST", "/v1/hub/firmware/makers", token, [
                "id": "acme", "name": "Acme Lighting", "keys": [MakerKeys.pem(acme.publicKey)], "models": ["lamp-x"],
            ])
            #expect(registered.status == 201, "\(registered.text)")
            #expect(try registered.json()["role"] as? String == "maker-acme")
            let second = try await Kit.call(hub, "POST", "/v1/hub/firmware/makers", token, [
                "id": "globex", "name": "Globex", "keys": [globex.publicKey.json.jsonObject], "models": ["plug-y"],
            ])
            #expect(second.status == 201, "\(second.text)")
            AuditAPITests.expectProblem(try await Kit.call(hub, "POST", "/v1/hub/firmware/makers", token, [
                "id": "acme", "name": "Acme again", "keys": [MakerKeys.pem(stranger.publicKey)], "models": ["door-z"],
            ]), status: 409, code: "conflict", "the same maker twice")

            // A release: refused until its image is there; the image refused under another address.
            let image = SecureRandom.bytes(96 * 1024)
            let release = try MakerSigning.release(
                image: image, fileName: "lamp-x-1.0.bin", model: "lamp-x", version: "1.0", securityVersion: 1, notes: "first")
            let first = try MakerSigning.next(previous: nil, adding: [release], expires: validUntil, keys: [acme])
            AuditAPITests.expectProblem(try await Self.publish(hub, token, maker: "acme", first), status: 422, code: "invalid-input", "no image yet")
            AuditAPITests.expectProblem(
                try await Self.upload(hub, token, image, as: String(repeating: "0", count: 64)), status: 422, code: "invalid-input",
                "an image under another digest")
            #expect(try await Self.upload(hub, token, image).status == 201)
            #expect(try await Self.upload(hub, token, image).status == 200, "the same image again is no change")
            // Signed by a key the maker does not have; a model of another maker's.
            let forged = try MakerSigning.next(previous: nil, adding: [release], expires: validUntil, keys: [stranger])
            let unsigned = try await Self.publish(hub, token, maker: "acme", forged)
            AuditAPITests.expectProblem(unsigned, status: 422, code: "invalid-input", "signed by a stranger")
            #expect(unsigned.text.contains("valid signature"), "\(unsigned.text)")
            let poached = try MakerSigning.next(previous: nil, adding: [release], expires: validUntil, keys: [globex])
            let notDelegated = try await Self.publish(hub, token, maker: "globex", poached)
            AuditAPITests.expectProblem(notDelegated, status: 422, code: "invalid-input", "another maker's model")
            #expect(notDelegated.text.contains("not delegated"), "\(notDelegated.text)")
            let published = try await Self.publish(hub, token, maker: "acme", first)
            #expect(published.status == 201, "\(published.text)")
            let listed = try await Kit.call(hub, "GET", "/v1/firmware/releases?model=lamp-x", owner)
            #expect(listed.status == 200 && listed.text.contains("\"security_version\":1"), "\(listed.text)")

            // Bad paths into the repository are 404s.
            for path in ["/tuf/metadata/..%2Froot.json", "/tuf/metadata/0.root.json", "/tuf/metadata/maker-Nobody.json", "/tuf/metadata/root",
                         "/tuf/targets/lamp-x/\(String(repeating: "0", count: 64)).lamp-x-1.0.bin", "/tuf/targets/lamp-x/lamp-x-1.0.bin"] {
                let response = try await hub.client.request("GET", path)
                #expect(response.status == 404, "\(path): \(response.status) \(response.text)")
            }

            let root = folder.appendingPathComponent("root.json")
            try Data(try await Self.metadata(hub, "root.json")).write(to: root)
            let client = Client(hub: hub, folder: folder, root: root)

            // The timestamp signed two days ago (on the hub's clock) has expired: refused.
            let stale = try await client.fetch("lamp-x/lamp-x-1.0.bin", cache: "device")
            #expect(stale["ok"] as? Bool == false && stale["error"] as? String == "ExpiredMetadataError", "\(stale)")
            // The hub's clock reaches the real time; its repository service signs a new timestamp.
            hub.clock.advance(by: 2 * 86_400)
            let service = FirmwareService(store: hub.store, sealer: hub.sealer, imageFolder: hub.configuration.firmwareFolder)
            // The hub's own repository sweep may sign it first, between the clock's move and this
            // call (then there is nothing left to sign); the fetch below needs it either way.
            let refreshed = try await service.repository.refresh()
            #expect(refreshed.isEmpty || refreshed.contains("timestamp"), "\(refreshed)")
            token = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            let fetched = try await client.fetch("lamp-x/lamp-x-1.0.bin", cache: "device")
            #expect(fetched["ok"] as? Bool == true, "\(fetched)")
            #expect(fetched["sha256"] as? String == release.sha256 && fetched["length"] as? Int == image.count)
            let custom = try #require(fetched["custom"] as? [String: Any], "\(fetched)")
            #expect(custom["security_version"] as? Int == 1 && custom["version"] as? String == "1.0" && custom["model"] as? String == "lamp-x")
            let oldTimestamp = folder.appendingPathComponent("old-timestamp.json")
            try Data(try await Self.metadata(hub, "timestamp.json")).write(to: oldTimestamp)

            // A second release; the device follows.
            let image2 = SecureRandom.bytes(80 * 1024)
            let release2 = try MakerSigning.release(
                image: image2, fileName: "lamp-x-1.1.bin", model: "lamp-x", version: "1.1", securityVersion: 2, notes: "fixes CVE-0")
            let acmeRole = try TargetsRole(try SignedMetadata(parsing: try await Self.metadata(hub, "maker-acme.json")).signed)
            let next = try MakerSigning.next(previous: acmeRole, adding: [release2], expires: validUntil, keys: [acme])
            #expect(try await Self.upload(hub, token, image2).status == 201)
            #expect(try await Self.publish(hub, token, maker: "acme", next).status == 201)
            let updated = try await client.fetch("lamp-x/lamp-x-1.1.bin", cache: "device")
            #expect(updated["ok"] as? Bool == true && updated["sha256"] as? String == release2.sha256, "\(updated)")

            // Freeze and rollback: the old timestamp replayed to the device that saw the new one.
            let rollback = try await client.fetch("lamp-x/lamp-x-1.1.bin", cache: "device", attack: ["substitute": ["timestamp.json": oldTimestamp.path]])
            #expect(rollback["ok"] as? Bool == false && rollback["error"] as? String == "BadVersionNumberError", "\(rollback)")

            // The maker's metadata, as served, re-signed by another key: refused by a new device.
            let acmeNow = try SignedMetadata(parsing: try await Self.metadata(hub, "maker-acme.json"))
            let version = try #require(acmeNow.signed["version"]?.integer)
            let resigned = folder.appendingPathComponent("resigned.json")
            try Data(try SignedMetadata(signing: acmeNow.signed, with: [stranger]).bytes).write(to: resigned)
            let foreign = try await client.fetch(
                "lamp-x/lamp-x-1.1.bin", cache: "fresh-1", attack: ["substitute": ["\(version).maker-acme.json": resigned.path]])
            #expect(foreign["ok"] as? Bool == false && foreign["error"] as? String == "UnsignedMetadataError", "\(foreign)")

            // Globex publishes for its own model, then its metadata (properly signed by Globex) gains
            // an image for Acme's lamp: the client never takes lamp-x files from Globex.
            let plug = SecureRandom.bytes(4096)
            let plugRelease = try MakerSigning.release(image: plug, fileName: "plug-y-3.bin", model: "plug-y", version: "3", securityVersion: 3, notes: "")
            #expect(try await Self.upload(hub, token, plug).status == 201)
            let globexFirst = try MakerSigning.next(previous: nil, adding: [plugRelease], expires: validUntil, keys: [globex])
            #expect(try await Self.publish(hub, token, maker: "globex", globexFirst).status == 201)
            var poaching = try TargetsRole(globexFirst.signed)
            let evil = try MakerSigning.release(image: plug, fileName: "evil.bin", model: "lamp-x", version: "9", securityVersion: 9, notes: "")
            poaching.targets[evil.path] = evil.target
            let poachingFile = folder.appendingPathComponent("poaching.json")
            try Data(try SignedMetadata(signing: poaching.signed, with: [globex]).bytes).write(to: poachingFile)
            let stolen = try await client.fetch("lamp-x/evil.bin", cache: "fresh-2", attack: ["substitute": ["1.maker-globex.json": poachingFile.path]])
            #expect(stolen["ok"] as? Bool == false && stolen["error"] as? String == "TargetNotFound", "\(stolen)")
            let plugFetched = try await client.fetch("plug-y/plug-y-3.bin", cache: "fresh-2")
            #expect(plugFetched["ok"] as? Bool == true, "\(plugFetched)")

            // An image changed on the way, then on the hub's disk (or in its database).
            let flipped = try await client.fetch("lamp-x/lamp-x-1.0.bin", cache: "fresh-3", attack: ["flip_image": true])
            #expect(flipped["ok"] as? Bool == false && flipped["error"] as? String == "LengthOrHashMismatchError", "\(flipped)")
            try await Self.corrupt(release.sha256, hub: hub)
            let corrupted = try await client.fetch("lamp-x/lamp-x-1.0.bin", cache: "fresh-4")
            // The hub will not serve it (503); had it, the client would have refused it as above.
            #expect(corrupted["ok"] as? Bool == false && corrupted["error"] as? String == "DownloadHTTPError", "\(corrupted)")
            #expect((corrupted["message"] as? String ?? "").contains("503"), "\(corrupted)")

            // Key rotation: the timestamp's key, then the root's; the first device follows both.
            for role in ["timestamp", "root", "targets"] {
                let rotated = try await Kit.call(hub, "POST", "/v1/hub/firmware/repository/rotate", token, ["role": role])
                #expect(rotated.status == 200, "\(rotated.text)")
            }
            let afterRotation = try await client.fetch("lamp-x/lamp-x-1.1.bin", cache: "device")
            #expect(afterRotation["ok"] as? Bool == true, "\(afterRotation)")
            // Three rotations, three new roots: the device walked to version 4 (the probe for a
            // next root alone, always made, would not show that).
            let trustedRoot = try SignedMetadata(parsing: Array(try Data(contentsOf: folder.appendingPathComponent("device/root.json"))))
            #expect(trustedRoot.signed["version"]?.integer == 4, "\(afterRotation)")
            #expect((afterRotation["fetched"] as? [String] ?? []).contains("4.root.json"), "\(afterRotation)")
            AuditAPITests.expectProblem(
                try await Kit.call(hub, "POST", "/v1/hub/firmware/repository/rotate", token, ["role": "maker-acme"]), status: 422,
                code: "invalid-input", "a maker's role is the maker's to rotate")

            #expect(try await OAuthPeopleTests.entries(hub, action: .releasePublished).count == 3)
            #expect(try await OAuthPeopleTests.entries(hub, action: .repositoryKeyRotated).count == 3)
            #expect(try await OAuthPeopleTests.entries(hub, action: .makerRegistered).count == 2)
        }
    }

    /// Changes the first byte of a stored image, behind the hub's back.
    static func corrupt(_ sha256: String, hub: TestHub) async throws {
        let row = try #require(try await hub.store.read { db in try await db.firmware.image(sha256: sha256) })
        if let oid = row.largeObject {
            // Flipped, as the file is: writing a fixed byte left a random image unchanged one time in 256.
            let first = try #require(try await hub.store.read { db in try await db.firmware.readLargeObject(oid) }.first)
            try await hub.store.engine.transaction { db in
                try await db.execute("SELECT CAST(lo_put(CAST(? AS OID), 0, ?) AS TEXT) AS done", oid, [first ^ 0xFF])
            }
        } else {
            let path = try #require(hub.configuration.firmwareFolder) + "/firmware/\(sha256)"
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[0] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }
}

extension JSONValue {
    /// As Foundation's JSONSerialization takes it, for a test's request body.
    var jsonObject: Any { (try? JSONSerialization.jsonObject(with: Data(jsonBytes))) ?? NSNull() }
}
