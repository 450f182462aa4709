import Foundation
import HearthTesting
import Testing

/// `hearth devices …` as an admin runs it on a data folder: the real binary, a device certified
/// with `hearth ca issue`, and openssl's view of the revocation.
@Suite struct DeviceCommandLineTests {
    @Test func anAdminWalksADeviceThroughItsLifecycle() async throws {
        let space = try PKILifecycleTests.Workspace("devices-cli")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        try await space.makeCSR("lamp")
        _ = try await space.hearth(["ca", "issue", "--csr", space.path("lamp.csr"), "--profile", "device", "--name", "Lamp"])

        let listed = try await space.hearth(["devices", "list"])
        let line = try #require(listed.split(separator: "\n").first { $0.hasSuffix("  Lamp") }, "list: \(listed)")
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let id = String(fields[0])
        #expect(fields[1] == "active" && fields[2] == "default" && fields[3] == "valid", "\(line)")
        #expect(fields[5] == "never", "never seen: \(line)")

        #expect(try await space.hearth(["devices", "move", id, "--zone", "lighting"]).contains("moved \(id) to zone lighting"))
        #expect(try await space.hearth(["devices", "quarantine", id, "--reason", "testing"]).contains("quarantined"))
        let twice = try await space.run(["devices", "quarantine", id])
        #expect(twice.status != 0 && twice.standardError.contains("cannot go from quarantined to quarantined"), "\(twice.standardError)")
        #expect(try await space.hearth(["devices", "release", id]).contains("active"))
        #expect(try await space.hearth(["devices", "decommission", id]).contains("1 certificate(s) revoked"))

        let shown = try await space.hearth(["devices", "show", id])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
        #expect(json["state"] as? String == "decommissioned")
        #expect(json["zone"] as? String == "lighting")
        #expect(json["certificate_status"] as? String == "revoked")
        let history = try #require(json["certificates"] as? [[String: Any]])
        #expect(history.map { $0["revocation_reason"] as? String } == ["cessation-of-operation"])

        // The audit log holds each step, attributed to the CLI.
        let audit = try await space.hearth(["audit", "search", "--subject", "device:\(id)"])
        for action in ["device.moved", "device.quarantined", "device.released", "device.decommissioned"] {
            #expect(audit.contains(action), "\(action) in \(audit)")
        }
        let unknown = try await space.run(["devices", "show", "not-a-device"])
        #expect(unknown.status != 0 && unknown.standardError.contains("malformed"))
    }
}
