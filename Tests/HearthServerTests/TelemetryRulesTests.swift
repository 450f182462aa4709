import Crypto
import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthHub
import HearthPKI
import HearthPrivacy
import HearthStore
import HearthTesting
import Logging
import NIOCore
import NIOPosix
import SwiftASN1
import Testing
import X509

/// The broker's rules and a device's model: every pairing sets one, so a model set in this
/// process changes the rules in memory — judged at once by the model's flows, and nothing left for
/// the access watch to re-read (it re-read every household for each, which made pairing slower
/// the larger the fleet). A change made elsewhere still leaves the rules behind until reloaded.
@Suite struct TelemetryRulesTests {
    @Test func aModelSetHereAppliesAtOnceAndLeavesNothingToReRead() async throws {
        try await withTestHub { hub in
            let rules = TelemetryRules(bridges: BridgeLinks(
                sealer: hub.sealer, group: MultiThreadedEventLoopGroup.singleton, clock: hub.store.clock, logger: Logger(label: "test")))
            try await rules.reload(hub.store)
            let privacy = PrivacyService(store: hub.store, rules: rules, sealer: hub.sealer)
            let household = hub.householdID
            let actor = AuditActor.system("test")
            let document = try JSONSerialization.data(withJSONObject: ["flows": [[
                "name": "energy", "class": "functional", "purpose": "Shows the plug's power use",
                "schema": ["type": "object", "required": ["watts"], "properties": ["watts": ["type": "number"]]],
                "retention": "1h", "recipients": ["apps": true],
            ]]])
            _ = try await privacy.declare(Array(document), scope: try FlowScope("model:acme-plug"), household: household, actor: actor)

            let key = P256.Signing.PrivateKey()
            let csr = try CertificateSigningRequest(
                version: .v1, subject: try DistinguishedName { CommonName("plug") }, privateKey: .init(key), attributes: .init(),
                signatureAlgorithm: .ecdsaWithSHA256)
            let issued = try await hub.pki.issue(CertificateOrder(
                request: try CertificateRequest(der: try csr.serializeAsPEM().derBytes), profile: .device, household: household,
                subject: .newDevice(name: "plug"), zone: nil, lifetime: nil), actor: actor)
            let device = try #require(issued.record.deviceID.flatMap { DeviceID($0) })

            func verdict() -> String {
                switch rules.inspect(ByteBuffer(string: #"{"watts":5}"#), device: device, flow: "energy", household: household, at: hub.clock.now) {
                case .forward: "forward"
                case .absorbed: "absorbed"
                case .refused(_, let reason): "refused: \(reason)"
                }
            }
            func behind() async throws -> Bool {
                rules.isBehind(try await hub.store.read { db in try await db.accessChanges.revisions().privacy })
            }
            #expect(verdict().hasPrefix("refused"), "no model, no flow")

            try await privacy.setModel(device, model: "acme-plug", household: household, actor: actor)
            #expect(verdict() == "forward")
            #expect(try await !behind(), "a model set here left the rules behind the store")
            try await privacy.setModel(device, model: nil, household: household, actor: actor)
            #expect(verdict().hasPrefix("refused"))
            #expect(try await !behind())

            // Another process (the CLI) sets it: these rules are behind until the watch reloads them.
            try await PrivacyService(store: hub.store, rules: nil, sealer: hub.sealer)
                .setModel(device, model: "acme-plug", household: household, actor: actor)
            #expect(try await behind())
            #expect(verdict().hasPrefix("refused"))
            try await rules.reload(hub.store)
            #expect(verdict() == "forward")
            #expect(try await !behind())
        }
    }
}
