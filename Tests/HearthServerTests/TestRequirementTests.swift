import HearthTesting
import Synchronization
import Testing

/// What becomes of a test whose tools are there, missing on a developer's machine, or missing
/// under `CI=true`: the requirement logic and the `.requires` trait, on a machine made up here
/// (its variables, its executable files, the Python modules it has).
@Suite struct TestRequirementTests {
    static let everything: [TestRequirement] = [
        .mosquittoClients, .openssl, .command("sqlite3"), .pythonModule("paho.mqtt", "authlib"), .postgres,
    ]

    /// A machine with every requirement above, or with what `change` takes away.
    static func machine(
        ci: String? = nil, _ change: (inout [String: String], inout Set<String>, inout Set<String>) -> Void = { _, _, _ in }
    ) -> TestRequirement.Environment {
        var variables = ["PATH": "/usr/local/bin:/usr/bin", TestEngine.postgresAdminURLVariable: "postgres://127.0.0.1:5433/postgres"]
        if let ci { variables["CI"] = ci }
        var executables: Set<String> = [
            "/usr/bin/mosquitto_pub", "/usr/bin/mosquitto_sub", "/usr/bin/openssl", "/usr/local/bin/sqlite3", "/usr/bin/python3",
        ]
        var modules: Set<String> = ["paho.mqtt", "authlib"]
        change(&variables, &executables, &modules)
        return TestRequirement.Environment(
            variables: variables, isExecutable: { [executables] in executables.contains($0) },
            importsPythonModule: { [modules] in modules.contains($0) })
    }

    /// One thing missing each, and what the reason must name.
    static let missing: [(String, @Sendable (inout [String: String], inout Set<String>, inout Set<String>) -> Void)] = [
        ("mosquitto-clients", { _, executables, _ in executables.remove("/usr/bin/mosquitto_sub") }),
        ("openssl", { _, executables, _ in executables.remove("/usr/bin/openssl") }),
        ("sqlite3", { variables, _, _ in variables["PATH"] = "/usr/bin" }),
        ("authlib", { _, _, modules in modules.remove("authlib") }),
        ("paho.mqtt", { _, executables, _ in executables.remove("/usr/bin/python3") }),
        (TestEngine.postgresAdminURLVariable, { variables, _, _ in variables[TestEngine.postgresAdminURLVariable] = "" }),
    ]

    @Test(arguments: [nil, "true", "false"])
    func presentRequirementsRun(ci: String?) async {
        #expect(await TestRequirement.verdict(Self.everything, in: Self.machine(ci: ci)) == .run)
    }

    @Test(arguments: 0..<TestRequirementTests.missing.count)
    func aMissingRequirementSkipsLocallyAndFailsUnderCI(index: Int) async {
        let (name, change) = Self.missing[index]
        for ci in [nil, "false", "1"] {
            let local = await TestRequirement.verdict(Self.everything, in: Self.machine(ci: ci, change))
            guard case .skip(let reason) = local else {
                Issue.record("\(name) missing with CI=\(ci ?? "unset"): \(local), not a skip")
                continue
            }
            #expect(reason.contains(name) && reason.contains("run scripts/test"), "\(reason)")
        }
        let ci = await TestRequirement.verdict(Self.everything, in: Self.machine(ci: "true", change))
        guard case .fail(let reason) = ci else {
            Issue.record("\(name) missing with CI=true: \(ci), not a failure")
            return
        }
        #expect(reason.contains(name) && reason.contains("CI=true"), "\(reason)")
    }

    @Test func theEngineRequiresPostgreSQLOnlyForPostgres() async {
        let noServer = Self.machine { variables, _, _ in variables[TestEngine.postgresAdminURLVariable] = nil }
        #expect(await TestRequirement.verdict(TestEngine.sqlite.requirements, in: noServer) == .run)
        #expect(await TestRequirement.verdict(TestEngine.postgres.requirements, in: Self.machine()) == .run)
        guard case .skip = await TestRequirement.verdict(TestEngine.postgres.requirements, in: noServer) else {
            Issue.record("PostgreSQL without its URL is not skipped")
            return
        }
    }

    /// `check` at the start of a test: returns when everything is there, throws under CI=true.
    /// (Its local skip cancels the calling test, so it is not called here with a local miss.)
    @Test func checkReturnsOrFailsUnderCI() async throws {
        try await TestRequirement.check(Self.everything, in: Self.machine(ci: "true"))
        let broken = Self.machine(ci: "true") { _, executables, _ in executables.remove("/usr/bin/mosquitto_pub") }
        let error = await #expect(throws: TestRequirement.Missing.self) {
            try await TestRequirement.check(Self.everything, in: broken)
        }
        #expect(error?.description.contains("mosquitto-clients") == true, "\(String(describing: error))")
    }

    final class Ran: Sendable {
        let ran = Mutex(false)
        var value: Bool { ran.withLock { $0 } }
        func mark() { ran.withLock { $0 = true } }
    }

    /// The trait: runs the body when everything is there; skips (in `prepare`, as a disabled
    /// condition does) when something is missing locally; under CI=true lets the test start, then
    /// records an issue and does not run the body.
    @Test func theTraitRunsSkipsOrFails() async throws {
        let test = try #require(Test.current)
        let present = RequirementTrait(Self.everything, environment: { Self.machine() })
        try await present.prepare(for: test)
        let ran = Ran()
        try await present.provideScope(for: test, testCase: Test.Case.current) { ran.mark() }
        #expect(ran.value)

        let withoutOpenSSL: @Sendable (inout [String: String], inout Set<String>, inout Set<String>) -> Void = { _, executables, _ in
            executables.remove("/usr/bin/openssl")
        }
        let local = RequirementTrait(Self.everything, environment: { Self.machine(withoutOpenSSL) })
        // Its prepare skips through a disabled ConditionTrait, which cancels the current test
        // (this one, if called here): what it decides is checked instead.
        #expect(await local.verdict() == .skip(
            "openssl (/usr/bin/openssl): missing; run scripts/test, which installs every tool the tests use and sets their variables"))

        let ci = RequirementTrait(Self.everything, environment: { Self.machine(ci: "true", withoutOpenSSL) })
        try await ci.prepare(for: test)
        let ranUnderCI = Ran()
        try await withKnownIssue("the trait records the missing tool as an issue") {
            try await ci.provideScope(for: test, testCase: Test.Case.current) { ranUnderCI.mark() }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("openssl") && $0.rawValue.contains("CI=true") }
        }
        #expect(!ranUnderCI.value, "the body ran although a requirement is missing")
    }
}
