import ArgumentParser
import Crypto
import Foundation
import HearthCommandLine
import HearthOAuth

/// `hearth-bench jwt`: local access-token verification (what a resource server does with the
/// hub's JWKS) and signing, per second, against raw ECDSA P-256 on the same keys: the ceiling the
/// JWT layer can approach.
struct JWTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt",
        abstract: "RFC 9068 access tokens signed and verified per second, against raw ECDSA P-256 (swift-crypto).")

    @Option(name: .long, help: "Seconds per measurement.")
    var seconds: Double = 5

    @Option(name: .long, help: "Concurrent verifiers (1 = one core).")
    var concurrency: Int = 1

    func run() async throws {
        let privateKey = P256.Signing.PrivateKey()
        let key = SigningKey(privateKey: privateKey)
        let signer = try TokenSigner(active: key, verifying: [])
        let now = Date()
        let claims = AccessTokenClaims(
            iss: "https://hub.example:8443", sub: "3vQbQ2x9RkWm0aB1cD2eFg", aud: "https://hub.example:8443",
            clientID: "j_4YZbAVi7LTPDcInQ8rXg", scope: "devices:read offline_access", jti: "qo4zLalj-bu5VYaW2D_Y3Sg",
            iat: Int(now.timeIntervalSince1970), exp: Int(now.timeIntervalSince1970) + 600,
            cnf: .init(x5tS256: "ci5SvuUokLEO1ht1GlHof3dYGzFAuTM2Z4xwXklS4hw"))
        let token = try await signer.sign(claims)
        guard try await signer.verify(token, issuer: claims.iss, audience: claims.aud, now: now) == claims else {
            throw ValidationError("the token does not verify to its own claims")
        }
        let message = Array(token.utf8)
        let signature = try privateKey.signature(for: message)
        let publicKey = key.publicKey

        let verify = try await rate { _ = try await signer.verify(token, issuer: claims.iss, audience: claims.aud, now: now) }
        let rawVerify = try await rate { _ = publicKey.isValidSignature(signature, for: message) }
        let sign = try await rate { _ = try await signer.sign(claims) }
        let rawSign = try await rate { _ = try privateKey.signature(for: message) }
        Output.print("""
            jwt_verify=\(Int(verify)) tokens/s  (TokenSigner.verify: ES256, typ, kid, iss, aud, exp; \(token.utf8.count)-byte token; \(concurrency) verifier(s))
            ecdsa_p256_verify_swift_crypto=\(Int(rawVerify)) /s  (same key, same bytes; jwt_verify is \(Int((100 * verify / rawVerify).rounded())) % of it)
            jwt_sign=\(Int(sign)) tokens/s  (claims to compact JWS)
            ecdsa_p256_sign_swift_crypto=\(Int(rawSign)) /s  (jwt_sign is \(Int((100 * sign / rawSign).rounded())) % of it)
            """)
    }

    /// Operations per second over `seconds`, `concurrency` tasks each running `operation` in a loop.
    private func rate(_ operation: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        let start = clock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        for _ in 0..<64 { try await operation() }
                        count += 64
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
