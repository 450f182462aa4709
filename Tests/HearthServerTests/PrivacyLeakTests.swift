import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// The leak test of docs/privacy.md: a real Eclipse Mosquitto plays the maker's cloud, the hub
/// bridges to it over mutual TLS, and 100 virtual devices (Eclipse Paho, scripts/test-tools/
/// privacy_leak.py) publish 10,000+ messages mixing declared and undeclared flows, valid and
/// schema-invalid payloads, consented and unconsented flows, and payloads that embed identifiers.
/// Consent for one flow is withdrawn midway. Counted at the cloud (mosquitto_sub): nothing of an
/// unconsented or undeclared flow, no identifier, nothing of the withdrawn flow published after
/// the withdrawal — and every consented message, minimized.
@Suite(.serialized, .requires(.mosquittoBroker, .mosquittoClients, .openssl, .pythonModule("paho.mqtt")))
struct PrivacyLeakTests {
    static let devices = 100
    /// Per device per phase: 2 phases × 100 devices × 52 = 10,400 messages.
    static let perDevicePerPhase = 52

    static var meterFlows: [String: Any] { [
        "model": "acme-meter",
        "flows": [
            [
                "name": "energy", "class": "functional", "purpose": "Power use, for the maker's tariff advice",
                "schema": [
                    "type": "object", "additionalProperties": false, "required": ["seq", "phase", "watts"],
                    "properties": [
                        "seq": ["type": "string"], "phase": ["type": "integer"], "watts": ["type": "number", "minimum": 0],
                        "serial": ["type": "string"], "mac": ["type": "string"], "owner": ["type": "string"],
                    ],
                ],
                "minimize": [["drop": ["serial"]], ["redact": ["builtin": ["mac-address", "email"]]], ["round": ["path": "watts", "to": 10]]],
                "retention": "1d", "recipients": ["apps": true, "destinations": ["cloud"]],
            ],
            [
                "name": "diagnostics", "class": "diagnostics", "purpose": "Boot logs for the maker's support",
                "schema": ["type": "object", "required": ["seq"]],
                "minimize": [["keep": ["seq", "phase"]]],
                "retention": "7d", "recipients": ["apps": false, "destinations": ["cloud"]],
            ],
            [
                "name": "presence", "class": "functional", "sensitive": ["presence"], "purpose": "Whether someone is home",
                "schema": ["type": "object", "required": ["seq", "home"]],
                "minimize": [["keep": ["seq", "phase", "home"]]],
                "retention": "1d", "recipients": ["apps": true, "destinations": ["cloud"]],
            ],
        ],
    ] }

    @Test func nothingUnconsentedUndeclaredOrIdentifyingReachesTheCloud() async throws {
        try await BridgeTestBed.with { bed in
            _ = try await bed.startBroker()
            let cloud = try await bed.watch()
            try await MessagingFixture.with { f in
                let owner = PKITools.bearer(f.owner)
                let folder = f.folder.appendingPathComponent("devices")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

                // The cloud, as the owner sets it up: its CA, the hub's client certificate for it.
                let added = try await f.hub.client.json(
                    "POST", "/v1/privacy/destinations",
                    [
                        "name": "cloud", "host": "127.0.0.1", "port": bed.port, "topic_prefix": BridgeLinkMosquittoTests.prefix,
                        "trust_roots_pem": try bed.read("ca.pem"), "client_chain_pem": try bed.read("hub.pem"),
                        "client_key_pem": try bed.read("hub.key"),
                    ], headers: owner)
                try #require(added.status == 201, "\(added.status) \(added.text)")
                try await PrivacyRightsTests.declare(on: f.hub, owner: f.owner, scope: "model:acme-meter", Self.meterFlows)

                // 100 meters of that model.
                var specs: [[String: String]] = []
                for number in 1...Self.devices {
                    let key = P256.Signing.PrivateKey()
                    let csr = try CertificateSigningRequest(
                        version: .v1, subject: try DistinguishedName { CommonName("meter \(number)") }, privateKey: .init(key),
                        attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
                    let order = try CertificateOrder(
                        request: try CertificateRequest(der: try csr.serializeAsPEM().derBytes), profile: .device,
                        household: f.hub.householdID, subject: .newDevice(name: "meter \(number)"), zone: nil, lifetime: nil)
                    let issued = try await f.hub.pki.issue(order, actor: .system("test"))
                    let id = try #require(issued.record.deviceID)
                    let model = try await f.hub.client.json("PUT", "/v1/privacy/devices/\(id)/model", ["model": "acme-meter"], headers: owner)
                    try #require(model.status == 204, "\(model.status) \(model.text)")
                    specs.append([
                        "id": id, "cert": try PKITools.write(issued.chainPEM, folder, "\(number).pem"),
                        "key": try PKITools.write(key.pemRepresentation, folder, "\(number).key"),
                    ])
                }
                // Consent: energy and presence may go to the cloud; diagnostics may not.
                for flow in ["energy", "presence"] {
                    let granted = try await f.hub.client.json(
                        "POST", "/v1/privacy/consents",
                        ["scope": "model:acme-meter", "flow": flow, "recipient": "destination:cloud"], headers: owner)
                    try #require(granted.status == 204, "\(granted.status) \(granted.text)")
                }

                let go = folder.appendingPathComponent("go").path
                let config = try Paho.write(
                    [
                        "host": "127.0.0.1", "port": f.hub.mqttPort, "ca": f.hub.certificatePath, "devices": specs,
                        "per_device_per_phase": Self.perDevicePerPhase, "go": go, "seed": 21,
                    ], folder: folder, name: "leak")
                let script = URL(fileURLWithPath: Paho.script).deletingLastPathComponent()
                    .appendingPathComponent("privacy_leak.py").path
                let fleet = try HearthProcess(executable: "/usr/bin/env", ["python3", script, config])
                try await eventually("phase 1 published", within: .seconds(120)) {
                    if let status = fleet.exitStatus { throw PrivacyLeakFailure("the fleet exited \(status): \(fleet.standardError)") }
                    return fleet.standardOutput.contains("phase 1 done")
                }
                // Every consented phase-1 message reaches the cloud before the withdrawal, so that
                // "everything consented arrives" and "nothing after the withdrawal" both hold exactly.
                let expectedPhase1 = Self.countConsented(phase: 1, devices: Self.devices)
                try await eventually("phase 1 at the cloud", within: .seconds(120)) { cloud.messages.count >= expectedPhase1 }
                let withdrawn = try await f.hub.client.json(
                    "POST", "/v1/privacy/consents/withdraw",
                    ["scope": "model:acme-meter", "flow": "presence", "recipient": "destination:cloud"], headers: owner)
                try #require(withdrawn.status == 204, "\(withdrawn.status) \(withdrawn.text)")
                _ = FileManager.default.createFile(atPath: go, contents: nil)
                _ = try await fleet.waitForExit(timeout: .seconds(180))
                try #require(fleet.exitStatus == 0, "\(fleet.standardError)")
                let summaryLine = try #require(fleet.standardOutput.split(separator: "\n").last)
                let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: [String: Any]])

                // What the hub took in: PUBACK 0 for declared valid flows, 0x87 undeclared, 0x99 invalid.
                func codes(_ key: String) -> [String: Int] { summary[key]?["codes"] as? [String: Int] ?? [:] }
                func accepted(_ key: String) -> Set<String> { Set(summary[key]?["seqs"] as? [String] ?? []) }
                let sent = summary.values.reduce(0) { $0 + ($1["sent"] as? Int ?? 0) }
                #expect(sent == 2 * Self.devices * Self.perDevicePerPhase && sent >= 10_000, "\(sent)")
                for phase in 1...2 {
                    #expect(codes("\(phase) undeclared").keys.sorted() == ["135"], "\(codes("\(phase) undeclared"))")
                    #expect(codes("\(phase) invalid").keys.sorted() == ["153"], "\(codes("\(phase) invalid"))")
                    for kind in ["energy", "diagnostics", "presence"] {
                        #expect(codes("\(phase) \(kind)").keys.sorted() == ["0"], "\(phase) \(kind): \(codes("\(phase) \(kind)"))")
                    }
                }
                let mustArrive = accepted("1 energy").union(accepted("2 energy")).union(accepted("1 presence"))
                // Counted cheaply while waiting; which ones arrived is checked once, below.
                try await eventually("every consented message at the cloud", within: .seconds(120)) {
                    cloud.messages.count >= mustArrive.count
                }
                try await Task.sleep(for: .seconds(1))

                // Counted at the cloud.
                let messages = cloud.messages
                let unconsentedOrUndeclared = messages.filter { !$0.topic.hasSuffix("/telemetry/energy") && !$0.topic.hasSuffix("/telemetry/presence") }
                let identifying = messages.filter { message in
                    // The serial numbers are SN- and eight digits (a device id may hold "SN-" by chance).
                    message.payload.range(of: "SN-[0-9]{8}", options: .regularExpression) != nil
                        || message.payload.contains("@example.org") || message.payload.contains("serial")
                        || message.payload.range(of: "([0-9a-f]{2}:){5}[0-9a-f]{2}", options: .regularExpression) != nil
                }
                let afterWithdrawal = messages.filter { $0.topic.hasSuffix("/telemetry/presence") && Self.field("phase", of: $0.payload) == "2" }
                let invalid = messages.filter { Self.field("watts", of: $0.payload)?.hasPrefix("-") == true }
                let unminimized = messages.filter { message in
                    guard let watts = Self.field("watts", of: message.payload).flatMap(Double.init) else { return false }
                    return watts.truncatingRemainder(dividingBy: 10) != 0
                }
                let seqs = messages.compactMap { Self.field("seq", of: $0.payload) }
                print("""
                    privacy leak test: \(sent) messages from \(Self.devices) devices, \(messages.count) at the cloud \
                    (\(mustArrive.count) consented, all arrived); unconsented or undeclared: \(unconsentedOrUndeclared.count), \
                    identifying fields: \(identifying.count), after the withdrawal: \(afterWithdrawal.count), \
                    schema-invalid: \(invalid.count), unminimized: \(unminimized.count)
                    """)
                #expect(unconsentedOrUndeclared.isEmpty, "\(unconsentedOrUndeclared.prefix(3))")
                #expect(identifying.isEmpty, "\(identifying.prefix(3))")
                #expect(afterWithdrawal.isEmpty, "\(afterWithdrawal.prefix(3))")
                #expect(invalid.isEmpty && unminimized.isEmpty, "\(invalid.prefix(3)) \(unminimized.prefix(3))")
                #expect(Set(seqs) == mustArrive, "the cloud has exactly the consented messages")
                #expect(seqs.count == Set(seqs).count, "no message twice")
                #expect(messages.allSatisfy { $0.topic.hasPrefix(BridgeLinkMosquittoTests.prefix + "devices/") })

                // Audited by aggregate: the day's counts per flow and destination are in the store
                // (the daily audit entry is written once the UTC day is over).
                try await eventually("the bridged counts are stored") {
                    let rows = try await f.hub.store.read { db in try await db.privacy.bridged(household: f.hub.householdID) }
                    return rows.reduce(0) { $0 + $1.messages } == Int64(messages.count)
                }
                // Once the UTC day is over, one audit entry per flow and destination says what went out.
                f.hub.clock.advance(by: 86_400)
                try await eventually("the day's bridged counts are audited") {
                    let entries = try await f.hub.store.read { db in
                        try await db.audit.entries(AuditQuery(action: "privacy.bridged_daily", limit: 100))
                    }
                    let counted = entries.compactMap { Self.field("messages", of: $0.details ?? "") }.compactMap(Int.init).reduce(0, +)
                    return counted == messages.count && Set(entries.compactMap { Self.field("flow", of: $0.details ?? "") })
                        == ["model:acme-meter/energy", "model:acme-meter/presence"]
                }
                let metrics = try await f.hub.client.request("GET", "/metrics").text
                #expect(metrics.contains(#"hearth_privacy_bridged_bytes_total{household="\#(f.hub.householdID)",destination="cloud"}"#), "\(metrics)")
            }
            try await cloud.stop()
        }
    }

    /// Consented messages one phase sends (energy, and presence before the withdrawal): of each
    /// device's 8-message cycle, 3 are valid energy readings and 2 presence.
    static func countConsented(phase: Int, devices: Int) -> Int {
        let perDevice = (0..<perDevicePerPhase).filter { n in
            let kind = n % 8
            return kind < 3 || (phase == 1 && kind >= 6)
        }.count
        return perDevice * devices
    }

    /// A top-level member's value as text, read from a JSON object payload.
    static func field(_ name: String, of payload: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any], let value = object[name]
        else { return nil }
        return "\(value)"
    }
}

struct PrivacyLeakFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
