import Foundation
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// `POST /v1/pairing/attest/challenge` answers anyone, without signing in: it must not write. Ten
/// thousand challenges, asked over HTTPS by curl, leave every table as it was — and, on SQLite, the
/// database file and its write-ahead log the size they were.
@Suite struct AttestationChallengeFloodTests {
    static let calls = 10_000

    /// The size of the SQLite file and its WAL (nil on PostgreSQL, where the rows are compared).
    static func sqliteBytes(_ hub: TestHub) -> Int? {
        guard hub.database.engine == .sqlite else { return nil }
        let path = String(hub.database.url.dropFirst("sqlite://".count))
        return [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }

    /// `count` challenges in one curl process (one keep-alive connection); their HTTP statuses.
    static func askForChallenges(_ hub: TestHub, count: Int) async throws -> [String: Int] {
        let folder = try TemporaryFolder.make(prefix: "challenge-flood")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = "https://127.0.0.1:\(hub.port)/v1/pairing/attest/challenge"
        var config = """
            silent
            show-error
            cacert = "\(hub.certificatePath)"
            request = "POST"
            header = "Content-Type: application/json"
            data = "{}"
            write-out = "%{http_code}\\n"

            """
        for _ in 0..<count { config += "url = \"\(url)\"\noutput = \"/dev/null\"\n" }
        let configFile = folder.appendingPathComponent("curl.config")
        try Data(config.utf8).write(to: configFile)
        let result = try await ProcessRunner.run("/usr/bin/curl", ["--config", configFile.path])
        #expect(result.status == 0, "curl: \(result.standardError.prefix(500))")
        return result.standardOutput.split(separator: "\n").reduce(into: [:]) { $0[String($1), default: 0] += 1 }
    }

    @Test(arguments: TestEngine.allCases)
    func tenThousandChallengesLeaveTheDatabaseAsItWas(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        // Detection off: it stores what it learns of each client's request rate (one row per
        // address, about once a minute) — not what this test is about, and the likely writer of
        // the two WAL pages seen when, under the whole suite, it took 352 s instead of 18.
        // What is checked here is that a challenge is never stored.
        try await withTestHub(engine: engine, configure: { $0.detection = nil }) { hub in
            let before = try await DatabaseSnapshot.take(hub.store)
            let bytesBefore = Self.sqliteBytes(hub)

            let statuses = try await Self.askForChallenges(hub, count: Self.calls)
            #expect(statuses == ["201": Self.calls], "every call got a challenge: \(statuses)")

            let after = try await DatabaseSnapshot.take(hub.store)
            #expect(after == before, "no row was added, changed or removed (the audit log included)")
            #expect(after.tables["attestation_challenges"]?.isEmpty == true)
            #expect(Self.sqliteBytes(hub) == bytesBefore, "the SQLite file and its WAL did not grow")
        }
    }
}
