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
            let (rules, privacy, device) = try await Self.declared(hub, ("energy", "functional"))
            let household = hub.householdID
            let actor = AuditActor.system("test")

            // One memo throughout, as one connection keeps it: each change must be seen through it.
            var memo = TelemetryFlowMemo()
            func verdict() -> String {
                switch rules.inspect(
                    ByteBuffer(string: #"{"watts":5}"#), device: device, flow: "energy", household: household, at: hub.clock.now, memo: &memo)
                {
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

    /// A flow's tag carries the gate's answer for apps, so each routed message need not look it up;
    /// a consent granted or withdrawn supersedes the tags made before, whose copies then ask again.
    @Test func aTagAnswersForItsFlowUntilTheConsentChanges() async throws {
        try await withTestHub { hub in
            let (rules, privacy, device) = try await Self.declared(hub, ("usage", "analytics"))
            let household = hub.householdID
            let actor = AuditActor.system("test")
            let scope = try FlowScope("model:acme-plug")
            try await privacy.setModel(device, model: "acme-plug", household: household, actor: actor)
            var memo = TelemetryFlowMemo()
            func tag() -> FlowTag? {
                let inspection = rules.inspect(
                    ByteBuffer(string: #"{"watts":5}"#), device: device, flow: "usage", household: household, at: hub.clock.now, memo: &memo)
                guard case .forward(_, let tag, _) = inspection else { return nil }
                return tag
            }

            let unconsented = try #require(tag())
            #expect(unconsented.reachesApps == false && !rules.appsMayReceive(unconsented, household: household))
            try await privacy.grant(flow: "usage", scope: scope, recipient: .apps, purpose: nil, household: household, actor: actor)
            #expect(unconsented.isSuperseded)
            #expect(rules.appsMayReceive(unconsented, household: household), "a copy tagged before the grant asks again")
            let consented = try #require(tag())
            #expect(consented.reachesApps == true && !consented.isSuperseded)
            #expect(rules.appsMayReceive(consented, household: household))

            try await privacy.withdraw(flow: "usage", scope: scope, recipient: .apps, household: household, actor: actor)
            #expect(consented.isSuperseded)
            #expect(!rules.appsMayReceive(consented, household: household), "withdrawn: held back at once")
            #expect(!rules.appsMayReceive(FlowTag(consented.key), household: household), "a tag read back from storage asks too")
            #expect(tag()?.reachesApps == false)
        }
    }

    /// The gate writes each payload it lets in into the buffer the connection's memo keeps: the
    /// last one's storage again when no message holds it any more, a new one while one does — a
    /// message still queued or retained never sees its bytes overwritten.
    @Test func aPayloadLetInIsNeverOverwrittenByTheNext() async throws {
        try await withTestHub { hub in
            let (rules, privacy, device) = try await Self.declared(hub, ("energy", "functional"))
            let household = hub.householdID
            let actor = AuditActor.system("test")
            try await privacy.setModel(device, model: "acme-plug", household: household, actor: actor)
            var memo = TelemetryFlowMemo()
            func letIn(_ watts: Int) -> ByteBuffer? {
                let inspection = rules.inspect(
                    ByteBuffer(string: #"{"watts":\#(watts)}"#), device: device, flow: "energy", household: household,
                    at: hub.clock.now, memo: &memo)
                guard case .forward(let payload, _, let retention) = inspection else { return nil }
                #expect(retention == 3600, "the flow's retention, 1h, in seconds")
                return payload
            }
            func storage(_ buffer: ByteBuffer) -> UInt { buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) } }

            let held = try #require(letIn(5))
            let next = try #require(letIn(7))
            #expect(String(buffer: held) == #"{"watts":5}"#, "a message still holding its payload keeps its bytes")
            #expect(String(buffer: next) == #"{"watts":7}"#)
            #expect(storage(held) != storage(next))
            let nextStorage = storage(next)
            // Neither held any more: the memo's buffer is the only holder of the last one's storage.
            _ = consume held
            _ = consume next
            // The memo holds that storage, so no other allocation can be given its address.
            #expect(storage(memo.output) == nextStorage, "the connection keeps the buffer")
            let third = try #require(letIn(9))
            #expect(String(buffer: third) == #"{"watts":9}"#)
            #expect(storage(third) == nextStorage, "written in place: no allocation per message")
        }
    }

    /// The rules and their service, one flow (name, class) declared for the model `acme-plug`,
    /// and a new device (of no model yet).
    private static func declared(_ hub: TestHub, _ flow: (String, String)) async throws -> (TelemetryRules, PrivacyService, DeviceID) {
        let (rules, privacy) = try await rules(hub)
        _ = try await privacy.declare(
            flows(flow), scope: try FlowScope("model:acme-plug"), household: hub.householdID, actor: .system("test"))
        return (rules, privacy, try await device(hub))
    }

    private static func rules(_ hub: TestHub) async throws -> (TelemetryRules, PrivacyService) {
        let rules = TelemetryRules(bridges: BridgeLinks(
            sealer: hub.sealer, group: MultiThreadedEventLoopGroup.singleton, clock: hub.store.clock, logger: Logger(label: "test")))
        try await rules.reload(hub.store)
        return (rules, PrivacyService(store: hub.store, rules: rules, sealer: hub.sealer))
    }

    /// A declaration document of flows (name, class) with a `watts` number, for apps.
    private static func flows(_ flows: (String, String)...) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["flows": flows.map { name, dataClass in [
            "name": name, "class": dataClass, "purpose": "Shows the plug's power use",
            "schema": ["type": "object", "required": ["watts"], "properties": ["watts": ["type": "number"]]],
            "retention": "1h", "recipients": ["apps": true],
        ] }]))
    }

    /// A new device of the hub's household.
    private static func device(_ hub: TestHub) async throws -> DeviceID {
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("plug") }, privateKey: .init(key), attributes: .init(),
            signatureAlgorithm: .ecdsaWithSHA256)
        let issued = try await hub.pki.issue(CertificateOrder(
            request: try CertificateRequest(der: try csr.serializeAsPEM().derBytes), profile: .device, household: hub.householdID,
            subject: .newDevice(name: "plug"), zone: nil, lifetime: nil), actor: .system("test"))
        return try #require(issued.record.deviceID.flatMap { DeviceID($0) })
    }
}
