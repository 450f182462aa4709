import Foundation
import HearthCore
import HearthTesting
import Testing

/// `hearth households …` and `hearth people …` on the data folder of a running hub, in another
/// process: what they change reaches the hub's sessions at once.
@Suite struct PeopleCommandLineTests {
    typealias Kit = PeopleTestKit

    static func hearth(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await ProcessRunner.run(HearthProcess.binaryPath, arguments)
        try #require(result.status == 0, "hearth \(arguments.joined(separator: " ")): \(result.standardError)", sourceLocation: sourceLocation)
        return result.standardOutput
    }

    /// The one-time invitation code a command printed.
    static func code(in output: String) -> String? {
        output.split(whereSeparator: { $0.isWhitespace }).first { $0.hasPrefix("hinv_") }.map { String($0) }
    }

    @Test func householdsAndPeopleFromTheShell() async throws {
        let root = try TemporaryFolder.make(prefix: "hearth-people")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let hub = try HearthProcess(["serve", "--data", data, "--listen", "127.0.0.1:0"])
        defer { hub.signal(SIGTERM) }
        let port = try await hub.waitForPort()
        let client = CurlClient(baseURL: "https://127.0.0.1:\(port)", caCertificatePath: root.appendingPathComponent("data/ca-root.pem").path)
        let store = ["--data", data]

        let created = try await Self.hearth(["households", "create", "Flat 2"] + store)
        let code = try #require(Self.code(in: created), "\(created)")
        let flat = try #require(created.split(separator: "(").dropFirst().first?.split(separator: ")").first.map { String($0) }, "\(created)")
        let accepted = try await client.json("POST", "/v1/invitations/accept", ["code": code, "email": "flat2@example.org", "password": Kit.password])
        #expect(accepted.status == 201, "\(accepted.text)")
        let listed = try await Self.hearth(["households", "list"] + store)
        #expect(listed.contains("Flat 2") && listed.contains("1 people"), "\(listed)")

        // A guest for the lighting zone until a date, invited from the shell.
        let invited = try await Self.hearth(
            ["people", "invite", "--role", "guest", "--zone", "lighting", "--until", RFC3339.format(Date().addingTimeInterval(30 * 86_400)), "--household", flat] + store)
        let guestCode = try #require(Self.code(in: invited), "\(invited)")
        #expect(try await client.json("POST", "/v1/invitations/accept", ["code": guestCode, "email": "guest@example.org", "password": Kit.password]).status == 201)
        let refused = try await ProcessRunner.run(HearthProcess.binaryPath, ["people", "invite", "--role", "guest", "--household", flat] + store)
        #expect(refused.status != 0 && refused.standardError.contains("zones or devices"), "\(refused.standardError)")
        let people = try await Self.hearth(["people", "list", "--household", flat] + store)
        #expect(people.contains("flat2@example.org") && people.contains("guest@example.org") && people.contains("zones lighting"), "\(people)")
        let guestID = try #require(people.split(separator: "\n").first { $0.contains("guest@example.org") }?.split(separator: " ").first.map { String($0) })

        let guestSession = try await client.json("POST", "/v1/session", ["email": "guest@example.org", "password": Kit.password])
        let token = try #require(try guestSession.json()["token"] as? String)
        #expect(try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        _ = try await Self.hearth(["people", "role", guestID, "--role", "member", "--zone", "climate", "--household", flat] + store)
        #expect(try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"]).status == 401)
        _ = try await Self.hearth(["people", "remove", guestID, "--household", flat] + store)
        #expect(try await client.json("POST", "/v1/session", ["email": "guest@example.org", "password": Kit.password]).status == 401)

        _ = try await Self.hearth(["households", "suspend", flat, "--reason", "testing"] + store)
        let suspended = try await client.json("POST", "/v1/session", ["email": "flat2@example.org", "password": Kit.password])
        #expect(suspended.status == 403, "\(suspended.text)")
        _ = try await Self.hearth(["households", "resume", flat] + store)
        #expect(try await client.json("POST", "/v1/session", ["email": "flat2@example.org", "password": Kit.password]).status == 201)
        let unconfirmed = try await ProcessRunner.run(HearthProcess.binaryPath, ["households", "delete", flat] + store)
        #expect(unconfirmed.status != 0 && unconfirmed.standardError.contains("--yes"), "\(unconfirmed.standardError)")
        let deleted = try await Self.hearth(["households", "delete", flat, "--yes"] + store)
        #expect(deleted.contains("1 accounts erased"), "\(deleted)")
        #expect(try await client.json("POST", "/v1/session", ["email": "flat2@example.org", "password": Kit.password]).status == 401)
        // The deleted household's details are redacted, and the log still verifies.
        let verified = try await Self.hearth(["audit", "verify"] + store)
        #expect(verified.contains("audit log intact") && !verified.contains("; 0 redacted)"), "\(verified)")
    }
}
