import Foundation
import HearthCore
import HearthHub
import HearthPKI
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
}
