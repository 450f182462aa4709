import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthStore
import HearthTesting
import NIOSSL
import SwiftASN1
import Testing
import X509

/// Client chains are verified from the hub's zone CAs, each checked under the root once, when it is
/// loaded (`AuthoritySet.rootSigned`); these are the checks that make a zone CA an anchor.
struct ClientChainAnchorTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let host = "h1.0123abcd.home.arpa"

    static func root(_ name: String) throws -> (certificate: Certificate, key: HubPrivateKey) {
        try AuthorityFactory.makeRoot(commonName: name, now: now, lifetime: 10 * 365 * 86_400)
    }

    static func zone(
        under root: (certificate: Certificate, key: HubPrivateKey), now: Date = now, lifetime: TimeInterval = 365 * 86_400
    ) throws -> Certificate {
        try AuthorityFactory.makeIntermediate(
            commonName: "Hearth default zone", permittedURIHosts: [host], hostNames: .forHub(hostnames: []),
            root: root.certificate, rootKey: root.key, now: now, lifetime: lifetime
        ).certificate
    }

    @Test func onlyZoneCAsTheRootSignedAndThatAreValidNowBecomeAnchors() async throws {
        let root = try Self.root("Hearth root")
        // Same names as the hub's, another key: what a forger would make.
        let forger = try Self.root("Hearth root")
        let own = try Self.zone(under: root)
        let forged = try Self.zone(under: forger)
        let expired = try Self.zone(under: root, now: Self.now.addingTimeInterval(-400 * 86_400))
        let anchors = await AuthoritySet.rootSigned(
            [own, forged, expired], root: root.certificate, checked: [], now: Self.now)
        #expect(anchors == [own])
        // The root itself is no zone CA's issuer under another root.
        #expect(await AuthoritySet.rootSigned([own], root: forger.certificate, checked: [], now: Self.now).isEmpty)
    }

    /// A reload keeps what an earlier load checked under the same root and checks only the new ones.
    @Test func aReloadChecksOnlyNewZoneCAs() async throws {
        let root = try Self.root("Hearth root")
        let first = try Self.zone(under: root)
        let second = try Self.zone(under: root)
        let forged = try Self.zone(under: try Self.root("Hearth root"))
        let anchors = await AuthoritySet.rootSigned(
            [first, second, forged], root: root.certificate, checked: [first], now: Self.now)
        #expect(anchors == [first, second])
        // Whatever is not a candidate any more (revoked, rotated away) is not an anchor, checked or not.
        #expect(await AuthoritySet.rootSigned([second], root: root.certificate, checked: [first, second], now: Self.now) == [second])
    }

    /// A certificate verified once passes again at once (on the event loop, no task) while nothing
    /// that can change has; past its end by the hub's clock, or revoked, it takes the full path
    /// again, which refuses a revoked one.
    @Test func aCertificateVerifiedOnceIsLetThroughUntilItsStandingChanges() async throws {
        try await withTestHub { hub in
            let issued = try await PKITools.issueNewDevice(hub.pki, household: hub.householdID, name: "lamp")
            let presented = try #require(ClientCertificateVerifier.Presented(
                [try NIOSSLCertificate(bytes: try issued.certificate.serializeAsPEM().derBytes, format: .der)]))
            let verifier = ClientCertificateVerifier(pki: hub.pki)
            #expect(!verifier.verifiedBefore(presented), "never seen: the full path decides")
            #expect(await verifier.verify(presented) == .certificateVerified)
            #expect(verifier.verifiedBefore(presented))

            let lifetime = issued.certificate.notValidAfter.timeIntervalSince(hub.clock.now)
            hub.clock.advance(by: lifetime + 1)
            #expect(!verifier.verifiedBefore(presented), "past its end by the hub's clock")
            hub.clock.advance(by: -(lifetime + 1))
            #expect(verifier.verifiedBefore(presented))

            try await hub.pki.revoke(
                .serial(issued.record.serial), reason: .keyCompromise, household: nil, actor: .system("test"))
            #expect(!verifier.verifiedBefore(presented), "revoked: not let through at once")
            #expect(await verifier.verify(presented) == .failed)

            // Another certificate's entry is its own.
            let other = try await PKITools.issueNewDevice(hub.pki, household: hub.householdID, name: "plug")
            let otherPresented = try #require(ClientCertificateVerifier.Presented(
                [try NIOSSLCertificate(bytes: try other.certificate.serializeAsPEM().derBytes, format: .der)]))
            #expect(!verifier.verifiedBefore(otherPresented))
        }
    }
}
