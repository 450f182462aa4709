import Crypto
import HearthCore
import HearthPKI
import HearthStore
import NIOSSL
import SwiftASN1
import X509

/// Decides, during each TLS handshake, whether a client certificate is one of the hub's own:
/// swift-certificates' Verifier with RFC 5280 policy (validity, basic constraints, critical
/// extensions, name constraints) from one of the hub's own intermediates, whose signature by the
/// root was checked when it was loaded (``AuthoritySet/clientChainAnchors``; those a client sends
/// are ignored), plus ``HearthClientPolicy``: the root valid now, not revoked in the live
/// revocation set, a TLS client certificate, and an identity inside the issuing CA's household.
///
/// A certificate verified once is remembered (``VerifiedClientCertificates``): presented again, it
/// passes on the event loop when nothing that can change has (``verifiedBefore(_:)``).
package struct ClientCertificateVerifier: Sendable {
    package let pki: HubPKI
    private let verified = VerifiedClientCertificates()

    package init(pki: HubPKI) {
        self.pki = pki
    }

    /// The leaf a client presented, as the verifier reads it: encoded once per handshake for both
    /// the remembered check and the full one.
    package struct Presented: Sendable {
        let der: [UInt8]
        let key: SHA256Digest

        package init?(_ certificates: [NIOSSLCertificate]) {
            guard let der = try? certificates.first?.toDERBytes() else { return nil }
            self.der = der
            key = VerifiedClientCertificates.key(der)
        }
    }

    /// True when the leaf presented was verified in full before and still stands: the handshake
    /// may go on at once. False says nothing either way: ``verify(_:)`` decides.
    package func verifiedBefore(_ presented: Presented) -> Bool {
        verified.stillPasses(presented.key, pki: pki, now: pki.store.clock.now)
    }

    package func verify(_ certificates: [NIOSSLCertificate]) async -> NIOSSLVerificationResult {
        await verify(Presented(certificates))
    }

    package func verify(_ presented: Presented?) async -> NIOSSLVerificationResult {
        guard let presented, let leaf = try? Certificate(derEncoded: presented.der) else { return .failed }
        // One snapshot for the anchors and the policy, so both judge by the same CAs.
        let authorities = pki.authorities
        var verifier = Verifier(rootCertificates: authorities.clientChainAnchors) {
            RFC5280Policy()
            HearthClientPolicy(pki: pki, authorities: authorities)
        }
        guard case .validCertificate(let chain) = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) else {
            return .failed
        }
        verified.remember(presented.key, leaf: leaf, issuer: chain[1])
        return .certificateVerified
    }
}

/// The hub's own rules on top of RFC 5280 for a client chain `leaf → zone CA`, the zone CA
/// already checked under the root.
package struct HearthClientPolicy: VerifierPolicy {
    package let pki: HubPKI
    package let authorities: AuthoritySet
    package let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    package func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let leaf = chain.leaf
        guard chain.count == 2 else { return .failsToMeetPolicy(reason: "not issued by a zone CA of this hub") }
        let root = authorities.root.certificate
        let now = pki.store.clock.now
        guard root.notValidBefore <= now, now <= root.notValidAfter else {
            return .failsToMeetPolicy(reason: "the hub's root CA is not valid now")
        }
        let serial = SerialNumberText.hex(leaf.serialNumber)
        if pki.isRevoked(serial: serial) { return .failsToMeetPolicy(reason: "certificate \(serial) is revoked") }
        guard let usage = try? leaf.extensions.extendedKeyUsage, usage.contains(.clientAuth) else {
            return .failsToMeetPolicy(reason: "not a TLS client certificate")
        }
        guard let issuerID = try? LoadedAuthority.id(of: chain[1]),
              let issuer = authorities.authority(issuerID), issuer.record.state != .revoked,
              let household = issuer.record.householdID.flatMap(HouseholdID.init)
        else { return .failsToMeetPolicy(reason: "the issuing CA is unknown or revoked") }
        let namespace = IdentityNamespace(trustDomain: pki.trustDomain, householdID: household)
        let uris = leaf.uniformResourceIdentifiers
        guard !uris.isEmpty, uris.allSatisfy(namespace.contains) else {
            return .failsToMeetPolicy(reason: "the identity is outside the issuing CA's household")
        }
        return .meetsPolicy
    }
}
