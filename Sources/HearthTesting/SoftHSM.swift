import Foundation
import HearthCore
import HearthPKCS11

/// A SoftHSM2 token for the tests of keys in a PKCS#11 token.
///
/// SoftHSM reads its configuration (where tokens live) once, when a process first initializes the
/// module, and a module is initialized once per process: so one token serves every test of a test
/// process, made on first use in a temporary folder that `SOFTHSM2_CONF` names for this process and
/// the `hearth` processes it starts. Keys from different tests do not meet: each has a random id.
public enum SoftHSM {
    public static let modulePath = "/usr/lib/softhsm/libsofthsm2.so"
    public static let utilityPath = "/usr/bin/softhsm2-util"
    public static let userPIN = "2718281828"

    public struct Token: Sendable {
        /// The module, slot and PIN file, as `hearth init --pkcs11` takes them.
        public let settings: PKCS11Settings
        /// The folder holding the token's files and the configuration.
        public let folder: URL
        public let configurationPath: String
    }

    /// Made once, by whichever test asks first; every other waits for the same one.
    private static let made = Task { try await make() }

    /// The process's token.
    public static func token() async throws -> Token { try await made.value }

    private static func make() async throws -> Token {
        let folder = try TemporaryFolder.make(prefix: "softhsm")
        let tokens = folder.appendingPathComponent("tokens")
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        let configuration = folder.appendingPathComponent("softhsm2.conf").path
        try "directories.tokendir = \(tokens.path)\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: configuration, atomically: true, encoding: .utf8)
        setenv("SOFTHSM2_CONF", configuration, 1)
        let result = try await ProcessRunner.run(utilityPath, [
            "--init-token", "--free", "--label", "hearth-tests", "--pin", userPIN, "--so-pin", "3141592653",
        ])
        guard result.status == 0,
              let line = result.standardOutput.split(separator: "\n").first(where: { $0.contains("reassigned to slot") }),
              let slot = line.split(separator: " ").last.flatMap({ UInt($0) })
        else { throw CurlClient.CurlError(message: "softhsm2-util: \(result.standardOutput)\(result.standardError)") }
        let pinFile = folder.appendingPathComponent("pin").path
        FileManager.default.createFile(atPath: pinFile, contents: Data((userPIN + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return Token(
            settings: PKCS11Settings(module: modulePath, slot: slot, pinFile: pinFile), folder: folder,
            configurationPath: configuration)
    }
}

/// Where a test hub keeps its signing keys: sealed under the KEK (the default), or in the test
/// process's SoftHSM2 token — so a test of what keys do runs both ways.
public enum KeyHome: String, Sendable, CaseIterable {
    case kek
    case token

    /// The token for `withTestHub(keyToken:)`, or nil for keys under the KEK.
    public func keyToken() async throws -> (any KeyToken)? {
        switch self {
        case .kek: nil
        case .token: try PKCS11Token(try await SoftHSM.token().settings)
        }
    }

    public var requirements: [TestRequirement] { self == .token ? [.softHSM] : [] }
}
