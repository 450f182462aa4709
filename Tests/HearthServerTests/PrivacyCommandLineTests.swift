import Foundation
import HearthTesting
import Testing

/// `hearth privacy …` on a data folder, as an owner runs it: flows declared for a device and, from
/// a maker's document signed with its manufacturer root (the signature made by Python's
/// `cryptography`, not by this code base), for a model; consent granted and withdrawn; the map,
/// the export (read by Python's zipfile) and erasure; and what is refused, with why.
@Suite(.serialized, .requires(.openssl, .pythonModule("cryptography"))) struct PrivacyCommandLineTests {
    static let energy = #"""
        {"flows": [{"name": "energy", "class": "functional", "purpose": "Shows the plug's power use in the app",
          "schema": {"type": "object", "properties": {"watts": {"type": "number", "minimum": 0}}, "required": ["watts"]},
          "minimize": [{"round": {"path": "watts", "to": 10}}], "retention": "7d", "recipients": {"apps": true}}]}
        """#

    static let makerDocument = #"""
        {"model": "acme-plug-2", "flows": [{"name": "presence", "class": "analytics", "sensitive": ["presence"],
          "purpose": "Helps Acme learn when plugs are used", "schema": {"type": "object"}, "retention": "30d",
          "recipients": {"apps": true, "destinations": ["acme-cloud"]}}]}
        """#

    /// Signs `document` as a compact JWS (ES256, kid) with the PEM key, in Python.
    static let signer = """
        import base64, json, sys
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
        b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        header = b64(json.dumps({"alg": sys.argv[4] if len(sys.argv) > 4 else "ES256", "kid": sys.argv[2]}).encode())
        payload = b64(open(sys.argv[3], "rb").read())
        r, s = decode_dss_signature(key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256())))
        print(f"{header}.{payload}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}")
        """

    @Test func anOwnerManagesFlowsConsentsExportAndErasureFromTheShell() async throws {
        let workspace = try PKILifecycleTests.Workspace("privacy-cli")
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: workspace.path(name), atomically: true, encoding: .utf8)
            return workspace.path(name)
        }
        try await workspace.hearth(["init", "--household", "Flat 3", "--owner", "ann@example.org"])
        _ = try await workspace.issue("plug")
        let devices = try JSONSerialization.jsonObject(with: Data(try await workspace.hearth(["devices", "list", "--json"]).utf8))
        let plug = try #require(((devices as? [String: Any])?["devices"] as? [[String: Any]])?.first?["id"] as? String)

        // The owner's own declaration for one device.
        let declared = try await workspace.hearth(["privacy", "declare", "--scope", "device:\(plug)", try file("energy.json", Self.energy)])
        #expect(declared.contains("declared for device:\(plug): energy"), "\(declared)")

        // A maker's signed document: the maker's root trusted, the JWS made by Python.
        _ = try await PKILifecycleTests.Workspace.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
            "-keyout", workspace.path("acme.key"), "-out", workspace.path("acme.pem"), "-subj", "/CN=Acme devices root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        ])
        let trusted = try await workspace.hearth(["trust", "add-manufacturer", workspace.path("acme.pem"), "--name", "Acme"])
        let root = try #require(trusted.split(separator: " ").last?.trimmingCharacters(in: CharacterSet(charactersIn: ")\n")), "\(trusted)")
        let document = try file("acme.json", Self.makerDocument)
        func sign(_ kid: String, alg: String = "ES256") async throws -> String {
            let signed = try await ProcessRunner.run(
                "/usr/bin/env", ["python3", "-c", Self.signer, workspace.path("acme.key"), kid, document, alg])
            try #require(signed.status == 0, "\(signed.standardError)")
            return signed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let jws = try await sign(root)
        let fromMaker = try await workspace.hearth(["privacy", "declare-signed", try file("acme.jws", jws)])
        #expect(fromMaker.contains("declared for model:acme-plug-2: presence"), "\(fromMaker)")
        try await workspace.hearth(["privacy", "model", plug, "acme-plug-2"])

        // What is refused, with why, changing nothing.
        var parts = jws.split(separator: ".").map(String.init)
        parts[1] = String(parts[1].dropLast()) + (parts[1].hasSuffix("A") ? "B" : "A")
        let refusals: [(String, [String], String)] = [
            ("a tampered document", ["privacy", "declare-signed", try file("tampered.jws", parts.joined(separator: "."))], "does not verify"),
            ("an unknown signer", ["privacy", "declare-signed", try file("stranger.jws", try await sign(String(repeating: "0", count: 64)))],
             "names no manufacturer root"),
            ("another algorithm", ["privacy", "declare-signed", try file("hs.jws", try await sign(root, alg: "HS256"))], "ES256"),
            ("a schema keyword outside the subset",
             ["privacy", "declare", "--scope", "device:\(plug)",
              try file("format.json", Self.energy.replacingOccurrences(of: #""minimum": 0"#, with: #""format": "email""#))], "format"),
            ("an unknown member", ["privacy", "declare", "--scope", "device:\(plug)",
              try file("typo.json", Self.energy.replacingOccurrences(of: "\"retention\"", with: "\"retension\""))], "retension"),
            ("a consent for an undeclared recipient",
             ["privacy", "grant", "--scope", "device:\(plug)", "--flow", "energy", "--recipient", "destination:acme-cloud"], "recipient"),
            ("a flow of no device", ["privacy", "declare", "--scope", "device:AAAAAAAAAAAAAAAAAAAAAA", workspace.path("energy.json")],
             "no such device"),
        ]
        for (what, arguments, reason) in refusals {
            let refused = try await workspace.run(arguments)
            #expect(refused.status != 0 && refused.standardError.contains(reason), "\(what): \(refused.standardError)")
        }

        // Consent to the maker's analytics, seen in the map, then withdrawn.
        try await workspace.hearth([
            "privacy", "grant", "--scope", "model:acme-plug-2", "--flow", "presence", "--recipient", "apps",
            "--purpose", "we agreed to help Acme",
        ])
        func presence() async throws -> [String: Any]? {
            let map = try JSONSerialization.jsonObject(with: Data(try await workspace.hearth(["privacy", "map"]).utf8)) as? [String: Any]
            let device = (map?["devices"] as? [[String: Any]])?.first { $0["id"] as? String == plug }
            let flows = device?["flows"] as? [[String: Any]] ?? []
            #expect(Set(flows.compactMap { $0["name"] as? String }) == ["energy", "presence"], "\(flows)")
            return (flows.first { $0["name"] as? String == "presence" }?["recipients"] as? [[String: Any]])?
                .first { $0["recipient"] as? String == "apps" }
        }
        #expect(try await presence()?["consented"] as? Bool == true)
        try await workspace.hearth(["privacy", "withdraw", "--scope", "model:acme-plug-2", "--flow", "presence", "--recipient", "apps"])
        let withdrawn = try await presence()
        #expect(withdrawn?["consented"] as? Bool == false && withdrawn?["consent_needed"] as? Bool == true, "\(String(describing: withdrawn))")

        // Export and erasure.
        let exported = try await workspace.hearth(["privacy", "export", "--output", workspace.path("home.zip")])
        #expect(exported.contains("wrote"), "\(exported)")
        let listing = try await ProcessRunner.run("/usr/bin/env", [
            "python3", "-c", "import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(json.loads(z.read('flows.json'))), len(json.loads(z.read('consents.json'))), sorted({e['action'] for e in json.loads(z.read('audit.json'))}))",
            workspace.path("home.zip"),
        ])
        #expect(listing.standardOutput.hasPrefix("2 0 "), "\(listing.standardOutput) \(listing.standardError)")
        for action in ["privacy.flow_declared", "privacy.consent_granted", "privacy.consent_withdrawn", "privacy.device_model_set"] {
            #expect(listing.standardOutput.contains(action), "\(action): \(listing.standardOutput)")
        }
        let erased = try await workspace.hearth(["privacy", "erase", "--device", plug])
        #expect(erased.contains("erased 0 stored messages"), "\(erased)")
    }
}
