import Foundation
import Synchronization
import Testing

/// Something a test needs from the machine it runs on: a program, a Python module, an
/// environment variable `scripts/test` sets. `scripts/test` installs and starts all of them.
///
/// A test that cannot run says so, never passes by returning early:
/// - the requirement is met: the test runs;
/// - it is missing and `CI` is not `true`: the test is skipped, its comment naming what is
///   missing and saying to run `scripts/test`;
/// - it is missing and `CI=true`: the test fails, since `scripts/test` would have provided it.
///
/// Declare what a whole test or suite needs with the `.requires(…)` trait (skipped tests are
/// reported skipped, with the reason). Check what depends on an argument (the PostgreSQL engine)
/// with `try await TestRequirement.check(engine.requirements)` at the start of the test: a test
/// case that cannot run locally records a warning with the reason and is cancelled.
public struct TestRequirement: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Executable files at these absolute paths, all of them.
        case executables([String])
        /// A command found on `PATH`.
        case command(String)
        /// Modules `python3` (the first on `PATH`) can import, all of them.
        case pythonModules([String])
        /// A variable set and not empty.
        case environmentVariable(String)
        /// The test process runs as root (network namespaces, routes).
        case superuser
    }

    /// What to call it when it is missing: a package name, a variable.
    public let name: String
    public let kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .executables(let paths): "\(name) (\(paths.joined(separator: ", ")))"
        case .command(let command): command == name ? "\(name) on PATH" : "\(name) (\(command) on PATH)"
        case .pythonModules(let modules): "python3 module\(modules.count == 1 ? "" : "s") \(modules.joined(separator: ", "))"
        case .environmentVariable(let variable): variable == name ? variable : "\(name) (\(variable))"
        case .superuser: "\(name) (the tests running as root)"
        }
    }

    // MARK: what the tests need

    /// `mosquitto_pub` and `mosquitto_sub`, where `MosquittoClient` runs them.
    public static let mosquittoClients = TestRequirement(
        "mosquitto-clients", .executables([MosquittoClient.publishPath, MosquittoClient.subscribePath]))
    /// The Mosquitto broker itself (Debian's mosquitto), which the bridge's interop test runs.
    public static let mosquittoBroker = TestRequirement("mosquitto", .executables(["/usr/sbin/mosquitto"]))
    public static let openssl = TestRequirement("openssl", .executables(["/usr/bin/openssl"]))
    /// Debian's Chromium and its WebDriver, which the console's browser tests drive headless.
    public static let chromium = TestRequirement("chromium, chromium-driver", .executables(["/usr/bin/chromium", "/usr/bin/chromedriver"]))
    /// SoftHSM2 (Debian's softhsm2, which brings its PKCS#11 module): the tool that makes tokens.
    public static let softHSM = TestRequirement(
        "softhsm2", .executables([SoftHSM.utilityPath]))
    /// swtpm, a software TPM 2.0, and tpm2-tools, a TPM client nobody here wrote.
    public static let softwareTPM = TestRequirement(
        "swtpm, tpm2-tools", .executables([SoftwareTPM.executable, "/usr/bin/tpm2_createprimary"]))
    /// GnuTLS's p11tool, a PKCS#11 client nobody here wrote (Debian's gnutls-bin).
    public static let p11tool = TestRequirement("gnutls-bin", .executables(["/usr/bin/p11tool"]))
    /// A Home Assistant 2024.3.3 virtualenv, made (or reused) by scripts/lib/home-assistant-venv.sh,
    /// which scripts/test runs: its Python, in `HEARTH_HA_PYTHON`.
    public static let homeAssistant = TestRequirement(
        "Home Assistant 2024.3.3", .environmentVariable("HEARTH_HA_PYTHON"))
    /// Debian's haproxy, the load balancer in front of several hub nodes (docs/scale-out.md).
    public static let haproxy = TestRequirement("haproxy", .executables([haproxyPath]))
    public static let haproxyPath = "/usr/sbin/haproxy"
    /// The PostgreSQL server `scripts/test` starts, by its admin URL.
    public static let postgres = TestRequirement("PostgreSQL", .environmentVariable(TestEngine.postgresAdminURLVariable))

    public static func command(_ name: String) -> TestRequirement { TestRequirement(name, .command(name)) }

    /// Root: network namespaces, veth links and routes of a test's own (with `.command("ip")`).
    public static let superuser = TestRequirement("root", .superuser)

    /// Python modules, by their import names (`paho.mqtt`, `authlib`, `cryptography`).
    public static func pythonModule(_ modules: String...) -> TestRequirement {
        TestRequirement(modules.joined(separator: ", "), .pythonModules(modules))
    }

    // MARK: the machine

    /// Where the requirements are looked for: the environment's variables (`PATH`, `CI`, the test
    /// variables), whether a path is an executable file, whether python3 imports a module.
    /// `.current` is this process's; tests of this logic pass their own.
    public struct Environment: Sendable {
        public var variables: [String: String]
        public var isExecutable: @Sendable (String) -> Bool
        public var importsPythonModule: @Sendable (String) async -> Bool
        public var isSuperuser: Bool

        public init(
            variables: [String: String], isExecutable: @escaping @Sendable (String) -> Bool,
            importsPythonModule: @escaping @Sendable (String) async -> Bool, isSuperuser: Bool = false
        ) {
            self.variables = variables
            self.isExecutable = isExecutable
            self.importsPythonModule = importsPythonModule
            self.isSuperuser = isSuperuser
        }

        /// `CI=true`: every requirement must be met (scripts/test provides them all).
        public var isCI: Bool { variables["CI"] == "true" }

        /// The command's path, searched on `PATH` like a shell.
        public func which(_ command: String) -> String? {
            if command.contains("/") { return isExecutable(command) ? command : nil }
            let path = variables["PATH"] ?? ""
            for folder in path.split(separator: ":", omittingEmptySubsequences: true) {
                let candidate = folder.hasSuffix("/") ? "\(folder)\(command)" : "\(folder)/\(command)"
                if isExecutable(candidate) { return candidate }
            }
            return nil
        }

        public static var current: Environment {
            Environment(
                variables: ProcessInfo.processInfo.environment,
                isExecutable: { FileManager.default.isExecutableFile(atPath: $0) },
                importsPythonModule: { await PythonModules.imports($0) }, isSuperuser: geteuid() == 0)
        }
    }

    /// Whether this requirement is met in `environment`.
    public func isMet(in environment: Environment) async -> Bool {
        switch kind {
        case .executables(let paths):
            return paths.allSatisfy(environment.isExecutable)
        case .command(let command):
            return environment.which(command) != nil
        case .pythonModules(let modules):
            guard environment.which("python3") != nil else { return false }
            for module in modules where !(await environment.importsPythonModule(module)) { return false }
            return true
        case .environmentVariable(let variable):
            return !(environment.variables[variable] ?? "").isEmpty
        case .superuser:
            return environment.isSuperuser
        }
    }

    // MARK: the verdict

    /// What becomes of a test with these requirements.
    public enum Verdict: Sendable, Equatable {
        case run
        /// Skipped, with this comment.
        case skip(String)
        /// Failed, with this issue.
        case fail(String)
    }

    public static func verdict(
        _ requirements: [TestRequirement], in environment: Environment = .current
    ) async -> Verdict {
        var missing: [String] = []
        for requirement in requirements where !(await requirement.isMet(in: environment)) {
            missing.append(requirement.description)
        }
        if missing.isEmpty { return .run }
        let list = missing.joined(separator: ", ")
        if environment.isCI {
            return .fail("\(list): missing, and CI=true requires it; scripts/test installs every tool the tests use and sets their variables")
        }
        return .skip("\(list): missing; run scripts/test, which installs every tool the tests use and sets their variables")
    }

    /// The error a test fails with when a requirement is missing under `CI=true`.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks `requirements` at the start of a test (or test case): returns when they are met;
    /// otherwise records a warning naming what is missing and cancels the test case, or under
    /// `CI=true` throws `Missing`, which fails it.
    public static func check(
        _ requirements: [TestRequirement], in environment: Environment = .current,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        switch await verdict(requirements, in: environment) {
        case .run:
            return
        case .skip(let reason):
            #if compiler(>=6.3)
            // The console reports a cancelled test case as passed, without its comment: the
            // warning is what says, in the output and the summary, that it did not run and why.
            Issue.record(Comment(rawValue: reason), severity: .warning, sourceLocation: sourceLocation)
            try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
            #else
            throw Missing(description: reason)
            #endif
        case .fail(let reason):
            throw Missing(description: reason)
        }
    }
}

extension TestEngine {
    /// What a test case on this engine needs: PostgreSQL's server, for `.postgres`.
    public var requirements: [TestRequirement] {
        switch self {
        case .sqlite: []
        case .postgres: [.postgres]
        }
    }
}

/// Whether `python3` imports a module, asked once per module per test process.
enum PythonModules {
    private static let known = Mutex<[String: Bool]>([:])

    static func imports(_ module: String) async -> Bool {
        if let answer = known.withLock({ $0[module] }) { return answer }
        let result = try? await ProcessRunner.run("/usr/bin/env", ["python3", "-c", "import \(module)"])
        let answer = result?.status == 0
        known.withLock { $0[module] = answer }
        return answer
    }
}

// MARK: - the trait

/// `.requires(…)`: runs the test when its requirements are met, skips it with a comment naming
/// what is missing otherwise, and fails it instead when `CI=true`. On a suite it applies to each
/// of its tests.
public struct RequirementTrait: TestTrait, SuiteTrait, TestScoping {
    public let requirements: [TestRequirement]
    /// `.current`, read when the test is about to run; tests of this trait pass their own.
    let environment: @Sendable () -> TestRequirement.Environment
    let sourceLocation: SourceLocation

    public init(
        _ requirements: [TestRequirement],
        environment: @escaping @Sendable () -> TestRequirement.Environment = { .current },
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        self.requirements = requirements
        self.environment = environment
        self.sourceLocation = sourceLocation
    }

    public var isRecursive: Bool { true }

    /// What becomes of the test now.
    public func verdict() async -> TestRequirement.Verdict {
        await TestRequirement.verdict(requirements, in: environment())
    }

    /// Skips the test when a requirement is missing and `CI` is not `true`: a disabled
    /// `ConditionTrait` with the reason as its comment prepares it, so Swift Testing reports it
    /// skipped as it does any disabled test.
    public func prepare(for test: Test) async throws {
        if case .skip(let reason) = await verdict() {
            try await ConditionTrait.disabled(Comment(rawValue: reason), sourceLocation: sourceLocation).prepare(for: test)
        }
    }

    /// Under `CI=true` a missing requirement is an issue recorded against the test (or test
    /// case), whose body does not run.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if case .fail(let reason) = await verdict() {
            Issue.record(Comment(rawValue: reason), sourceLocation: sourceLocation)
            return
        }
        try await function()
    }
}

extension Trait where Self == RequirementTrait {
    /// The test (or each test of the suite) needs these; see `TestRequirement`.
    public static func requires(
        _ requirements: TestRequirement..., sourceLocation: SourceLocation = #_sourceLocation
    ) -> Self {
        RequirementTrait(requirements, sourceLocation: sourceLocation)
    }
}
