import Crypto
import Foundation
import HearthHub
import HearthTesting
import Testing

/// DPoP's state is the hub's, not a process's (docs/oauth.md, "DPoP"): two nodes on one PostgreSQL
/// database refuse a proof replayed on the other node, and accept the server nonces the other
/// handed out. (PostgreSQL only: several nodes are a PostgreSQL deployment, and two nodes writing
/// one SQLite file from this test process would hold the shared I/O threads in SQLite's busy wait.)
@Suite struct SharedDPoPTests {
    @Test func aProofUsedOnOneNodeIsRefusedOnTheOtherAndNoncesCross() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await OAuthBadInputTests.withFixture(engine: .postgres) { first in
            // Behind a load balancer both nodes are one issuer, as `--oauth-issuer` makes them.
            try await withTestHubNode(joining: first.hub, configure: { $0.oauthIssuer = first.issuer }) { node in
                let second = OAuthBadInputTests.Fixture(hub: node, owner: first.owner, issuer: first.issuer, app: first.app)
                let key = P256.Signing.PrivateKey()
                let token = try await first.dpopToken(key)
                let url = first.issuer + "/v1/me"
                let proof = try first.proof(key, "GET", url, ath: TestJWS.ath(token))
                let accepted = try await first.me(dpop: token, proofs: [proof])
                try #require(accepted.status == 200, "\(accepted.status) \(accepted.text)")

                // The same proof on the other node: refused, as on the first.
                let replayed = try await second.me(dpop: token, proofs: [proof])
                #expect(replayed.status == 401 && replayed.text.contains("used before"), "\(replayed.status) \(replayed.text)")
                let again = try await first.me(dpop: token, proofs: [proof])
                #expect(again.status == 401 && again.text.contains("used before"), "\(again.status) \(again.text)")
                // A fresh proof is good on either node.
                let fresh = try await second.me(dpop: token, proofs: [try first.proof(key, "GET", url, ath: TestJWS.ath(token))])
                #expect(fresh.status == 200, "\(fresh.status) \(fresh.text)")

                // A nonce the first node handed out is accepted by the second: a code redeemed there.
                let code = try await first.code()
                let htu = first.issuer + "/oauth/token"
                let asked = try await first.redeem(code.code, verifier: code.verifier, dpop: [try first.proof(key, "POST", htu)])
                let nonce = try #require(asked.header("dpop-nonce"), "\(asked.status) \(asked.text)")
                let redeemed = try await second.redeem(
                    code.code, verifier: code.verifier, dpop: [try first.proof(key, "POST", htu, nonce: nonce)])
                #expect(redeemed.status == 200, "\(redeemed.status) \(redeemed.text)")
            }
        }
    }
}
