import Crypto
import CryptoExtras
import HearthCore
import NIOPosix

/// The cost of scrypt, stored with every hash so it can be raised later.
public struct PasswordHashParameters: Sendable, Hashable {
    /// log2 of scrypt's N.
    public var logN: Int
    public var r: Int
    public var p: Int

    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// OWASP's scrypt setting N=2^15, r=8, p=3: 32 MiB per hash, the cost of N=2^17 at a quarter of the memory.
    public static let `default` = PasswordHashParameters(logN: 15, r: 8, p: 3)
}

/// Hashes and verifies passwords with scrypt, off the async executor.
///
/// A hash takes a few hundred milliseconds of CPU by design, so it runs on a dedicated thread
/// pool (bounded: as many hashes at once as it has threads) instead of blocking Swift's
/// cooperative threads. Stored form: `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64url).
public struct PasswordHasher: Sendable {
    public let parameters: PasswordHashParameters
    private let pool: NIOThreadPool

    /// A hasher on `pool`, which the caller starts and shuts down.
    public init(parameters: PasswordHashParameters, pool: NIOThreadPool) {
        self.parameters = parameters
        self.pool = pool
    }

    /// Runs `body` with a hasher whose thread pool lives exactly as long as the call.
    public static func withHasher<Result: Sendable>(
        parameters: PasswordHashParameters, threads: Int = 2, _ body: (PasswordHasher) async throws -> Result
    ) async throws -> Result {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        do {
            let result = try await body(PasswordHasher(parameters: parameters, pool: pool))
            try await pool.shutdownGracefully()
            return result
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    public func hash(_ password: String) async throws -> String {
        let salt = SecureRandom.bytes(16)
        let parameters = self.parameters
        let derived = try await pool.runIfActive {
            try Self.derive(password, salt: salt, parameters: parameters)
        }
        return "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$"
            + Base64URL.encode(salt) + "$" + Base64URL.encode(derived)
    }

    /// Whether `password` matches `stored`; the final comparison is constant-time.
    /// A malformed stored hash never matches.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        guard let parsed = Self.parse(stored) else { return false }
        let derived = try await pool.runIfActive {
            try Self.derive(password, salt: parsed.salt, parameters: parsed.parameters)
        }
        return constantTimeEquals(derived, parsed.hash)
    }

    /// A hash of a random password, verified against when an account does not exist so that
    /// an unknown email takes as long to refuse as a wrong password.
    public func decoyHash() async throws -> String {
        try await hash(SecretToken(prefix: "").value)
    }

    private static func derive(_ password: String, salt: [UInt8], parameters: PasswordHashParameters) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << parameters.logN,
            blockSize: parameters.r, parallelism: parameters.p)
        return key.withUnsafeBytes { Array($0) }
    }

    package static func parse(_ stored: String) -> (parameters: PasswordHashParameters, salt: [UInt8], hash: [UInt8])? {
        let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
        var values: [Substring: Int] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"],
              (10...22).contains(logN), (1...32).contains(r), (1...16).contains(p),
              let salt = Base64URL.decode(fields[3]), let hash = Base64URL.decode(fields[4]), hash.count == 32
        else { return nil }
        return (PasswordHashParameters(logN: logN, r: r, p: p), salt, hash)
    }
}
