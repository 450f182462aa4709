import Foundation
import HearthTesting
import Testing

/// The OpenAPI document served at `/v1/openapi.json` is true to the server: it names exactly the
/// routes the hub registers (read from the route sources, not from a list kept by hand), every
/// `$ref` in it resolves, and real answers validate against its response schemas
/// (python-jsonschema, Draft 2020-12, the dialect of OpenAPI 3.1). `scripts/api-contract` runs
/// schemathesis over all of it against a live hub.
@Suite struct OpenAPITests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/HearthServer")
    static let documentedPrefixes = ["/v1/", "/oauth/", "/.well-known/", "/witness/"]

    @Test func documentIsServedAndMatchesTheRegisteredRoutes() async throws {
        try await withTestHub { hub in
            let served = try await hub.client.request("GET", "/v1/openapi.json")
            #expect(served.status == 200)
            #expect(served.headers["content-type"] == "application/json")
            let document = try served.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])

            var documented: Set<String> = []
            for (path, item) in paths {
                for method in item.keys where Self.methods.contains(method) {
                    documented.insert("\(method.uppercased()) \(Self.normalized(path))")
                }
            }
            let registered = try Self.registeredRoutes().filter { route in
                Self.documentedPrefixes.contains { route.split(separator: " ")[1].hasPrefix($0) }
            }
            #expect(registered.count > 100, "the route scan found only \(registered.count) routes")
            let undocumented = registered.subtracting(documented).sorted()
            let unserved = documented.subtracting(registered).sorted()
            #expect(undocumented.isEmpty, "registered but not in the document: \(undocumented)")
            #expect(unserved.isEmpty, "in the document but not registered: \(unserved)")

            // Every operation says what it answers, and whether it needs a bearer token.
            for (path, item) in paths {
                for (method, value) in item where Self.methods.contains(method) {
                    let operation = try #require(value as? [String: Any])
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    #expect(responses.keys.contains { $0.hasPrefix("2") || $0.hasPrefix("3") }, "\(method) \(path): no success answer")
                    #expect(operation["security"] != nil, "\(method) \(path): no security requirement")
                }
            }

            // Every `$ref` resolves to something in the document.
            var references: [String] = []
            Self.collectReferences(document, into: &references)
            #expect(references.count > 100)
            for reference in Set(references) {
                #expect(Self.resolve(reference, in: document) != nil, "unresolved $ref \(reference)")
            }
        }
    }

    @Test(.requires(.pythonModule("jsonschema"))) func realAnswersValidateAgainstTheDocument() async throws {
        try await withTestHub { hub in
            let document = try await hub.client.request("GET", "/v1/openapi.json")
            let signIn = try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": hub.ownerPassword])
            #expect(signIn.status == 201)
            let token = try #require(try signIn.json()["token"] as? String)
            let bearer = ["Authorization": "Bearer \(token)"]
            let invited = try await hub.client.json(
                "POST", "/v1/people/invitations", ["email": "member@example.com", "role": "member", "access": ["zones": ["lighting"]]],
                headers: bearer)
            #expect(invited.status == 201)

            // (method, path in the document, path called, body): one call each, and its answer.
            var calls: [(String, String, Int, Data)] = [
                ("post", "/v1/session", signIn.status, signIn.body),
                ("post", "/v1/people/invitations", invited.status, invited.body),
            ]
            for path in [
                "/v1/me", "/v1/people", "/v1/people/invitations", "/v1/pki/authorities", "/v1/pki/certificates", "/v1/audit/entries",
                "/v1/audit/checkpoint", "/v1/checkup", "/v1/privacy/map", "/v1/firmware/posture", "/v1/pairing/window", "/v1/hub",
            ] {
                let answer = try await hub.client.request("GET", path, headers: bearer)
                calls.append(("get", path, answer.status, answer.body))
            }
            let unauthenticated = try await hub.client.request("GET", "/v1/me")
            #expect(unauthenticated.status == 401)
            calls.append(("get", "/v1/me", unauthenticated.status, unauthenticated.body))
            for (_, _, status, body) in calls { #expect(!body.isEmpty, "an empty answer (\(status))") }

            let folder = try TemporaryFolder.make(prefix: "openapi")
            defer { try? FileManager.default.removeItem(at: folder) }
            let documentFile = folder.appendingPathComponent("openapi.json")
            try document.body.write(to: documentFile)
            var arguments = ["python3", "-c", Self.validator, documentFile.path]
            for (index, (method, path, status, body)) in calls.enumerated() {
                let file = folder.appendingPathComponent("answer-\(index).json")
                try body.write(to: file)
                arguments += [method, path, String(status), file.path]
            }
            let result = try await ProcessRunner.run("/usr/bin/env", arguments)
            #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
            #expect(result.standardOutput.components(separatedBy: "valid ").count - 1 == calls.count, "\(result.standardOutput)")
        }
    }

    /// A document that is wrong about an answer fails the same validation: the check can fail.
    @Test(.requires(.pythonModule("jsonschema"))) func validationRefusesAnAnswerTheDocumentDoesNotDescribe() async throws {
        try await withTestHub { hub in
            let document = try await hub.client.request("GET", "/v1/openapi.json")
            let folder = try TemporaryFolder.make(prefix: "openapi")
            defer { try? FileManager.default.removeItem(at: folder) }
            let documentFile = folder.appendingPathComponent("openapi.json")
            try document.body.write(to: documentFile)
            let answer = folder.appendingPathComponent("answer.json")
            // /v1/me without its person, and with a member the encoder never writes.
            try Data(#"{"households": [], "surprise": 1}"#.utf8).write(to: answer)
            let result = try await ProcessRunner.run(
                "/usr/bin/env", ["python3", "-c", Self.validator, documentFile.path, "get", "/v1/me", "200", answer.path])
            #expect(result.status != 0)
            #expect(result.standardOutput.contains("invalid get /v1/me 200"))
        }
    }

    // MARK: the routes the hub registers

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// "METHOD /path/{}" for every `Endpoint(.method, "path")` in Sources/HearthServer, and for
    /// each `Endpoint(.method, name)` the paths a file lists as `("/path", …)` tuples (the alert
    /// webhook's routes, one list for the household's and the hub's). A form the scan does not
    /// know fails the test rather than being skipped.
    static func registeredRoutes() throws -> Set<String> {
        let literal = try NSRegularExpression(pattern: #"Endpoint\(\.([a-z]+), "([^"]+)""#)
        let variable = try NSRegularExpression(pattern: #"Endpoint\(\.([a-z]+), ([A-Za-z_][A-Za-z0-9_]*)\)"#)
        let tuplePath = try NSRegularExpression(pattern: #"\("(/[^"]+)", [A-Za-z_][A-Za-z0-9_]*\)"#)
        let anyEndpoint = try NSRegularExpression(pattern: #"Endpoint\(\."#)
        var routes: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(!files.isEmpty, "no sources under \(sources.path)")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            func groups(_ match: NSTextCheckingResult) -> [String] {
                (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }
            }
            let literals = literal.matches(in: text, range: range)
            let variables = variable.matches(in: text, range: range)
            #expect(
                anyEndpoint.numberOfMatches(in: text, range: range) == literals.count + variables.count,
                "\(file.lastPathComponent) declares an endpoint in a form the route scan does not read")
            for match in literals {
                let parts = groups(match)
                routes.insert("\(parts[0].uppercased()) \(normalized(parts[1]))")
            }
            if !variables.isEmpty {
                let listed = tuplePath.matches(in: text, range: range).map { groups($0)[0] }
                #expect(!listed.isEmpty, "\(file.lastPathComponent) registers endpoints at paths the scan cannot find")
                for match in variables {
                    for path in listed { routes.insert("\(groups(match)[0].uppercased()) \(normalized(path))") }
                }
            }
        }
        return routes
    }

    /// A path with each parameter as `{}`: the router's `:name` and `**`, the document's `{name}`.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            segment.hasPrefix(":") || segment == "**" || (segment.hasPrefix("{") && segment.hasSuffix("}")) ? "{}" : String(segment)
        }.joined(separator: "/")
    }

    // MARK: references

    static func collectReferences(_ value: Any, into references: inout [String]) {
        if let object = value as? [String: Any] {
            for (key, member) in object {
                if key == "$ref", let reference = member as? String { references.append(reference) }
                collectReferences(member, into: &references)
            }
        } else if let array = value as? [Any] {
            for member in array { collectReferences(member, into: &references) }
        }
    }

    static func resolve(_ reference: String, in document: [String: Any]) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var current: Any = document
        for token in reference.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = current as? [String: Any], let next = object[key] else { return nil }
            current = next
        }
        return current
    }

    /// Validates answers against the document's response schemas: arguments are the document,
    /// then (method, path, status, answer file) groups. Prints `valid …` or `invalid …` per answer;
    /// exits 1 if any is invalid or has no schema for its status.
    static let validator = #"""
        import json, sys
        from jsonschema import Draft202012Validator
        document = json.load(open(sys.argv[1]))
        failed = False
        arguments = sys.argv[2:]
        for i in range(0, len(arguments), 4):
            method, path, status, answer = arguments[i:i + 4]
            label = f"{method} {path} {status}"
            response = document["paths"][path][method]["responses"].get(status)
            while response is not None and "$ref" in response:
                response = document["components"]["responses"][response["$ref"].split("/")[-1]]
            if response is None or not response.get("content"):
                print("invalid", label, "no schema for this status"); failed = True; continue
            schema = next(iter(response["content"].values()))["schema"]
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": document["components"], "allOf": [schema]}
            errors = list(Draft202012Validator(root).iter_errors(json.load(open(answer))))
            if errors:
                print("invalid", label, "; ".join(e.message for e in errors[:3])); failed = True
            else:
                print("valid", label)
        sys.exit(1 if failed else 0)
        """#
}
