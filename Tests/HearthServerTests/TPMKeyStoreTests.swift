import Foundation
import HearthCore
import HearthDevice
import HearthTesting
import Testing

/// `hearth device --tpm`: a virtual device whose keys are made in a TPM 2.0 (swtpm) and never
/// leave it, paired with a running hub, and looked at with tpm2-tools and openssl.
@Suite struct TPMKeyStoreTests {
    static func line(_ label: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(label) }.map { String($0.dropFirst(label.count)).trimmingCharacters(in: .whitespaces) }
    }

    /// The public key (PEM) tpm2-tools derive in `tpm` from the key name in `nameFile`, with the
    /// template the device SDK documents, and what tpm2_readpublic says of the key.
    static func publicKeyByTPMTools(_ tpm: SoftwareTPM, nameFile: String, folder: URL) async throws -> (pem: String, attributes: String) {
        let hex = try String(contentsOfFile: nameFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let name = try #require(Hex.decode(hex))
        // TPMS_ECC_POINT for tpm2-tools' -u: the sizes little-endian, as the tools read them.
        let unique = folder.appendingPathComponent("unique.bin")
        try Data([UInt8(name.count), 0] + name + [0, 0]).write(to: unique)
        let context = folder.appendingPathComponent("key.ctx").path
        let created = try await ProcessRunner.run("/usr/bin/tpm2_createprimary", [
            "-C", "o", "-g", "sha256", "-G", "ecc256:ecdsa-sha256:null",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|sign",
            "-u", unique.path, "-c", context, "-T", tpm.tcti,
        ])
        try #require(created.status == 0, "tpm2_createprimary: \(created.standardError)")
        let pem = folder.appendingPathComponent("tpm-public.pem").path
        let read = try await ProcessRunner.run("/usr/bin/tpm2_readpublic", ["-c", context, "-f", "pem", "-o", pem, "-T", tpm.tcti])
        try #require(read.status == 0, "tpm2_readpublic: \(read.standardError)")
        // tpm2-tools leave the object loaded (swtpm has no resource manager); a TPM holds few.
        _ = try await ProcessRunner.run("/usr/bin/tpm2_flushcontext", ["-t", "-T", tpm.tcti])
        return (try String(contentsOfFile: pem, encoding: .utf8), read.standardOutput)
    }

    /// The public key of the device's certificate (its chain's first), as openssl prints it.
    static func certificateKey(_ state: String, folder: URL) async throws -> String {
        let chain = try String(contentsOfFile: state + "/" + DeviceStateFolder.chainName, encoding: .utf8)
        let leaf = try PKITools.write(try #require(PKITools.certificates(in: chain).first), folder, "leaf.pem")
        return try await PKITools.ok(["x509", "-in", leaf, "-noout", "-pubkey"])
    }

    @Test func aDevicePairsWithKeysThatNeverLeaveTheTPM() async throws {
        try await TestRequirement.check([.softwareTPM, .openssl])
        let tpm = try await SoftwareTPM()
        defer { tpm.stop() }
        let space = try PKILifecycleTests.Workspace("tpm-device")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        let serve = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0", "--log-level", "warning"])
        defer { serve.signal(SIGTERM) }
        let port = try await serve.waitForPort()
        let hub = "https://127.0.0.1:\(port)"
        let state = space.path("lamp")

        #expect(try await space.hearth(["pair", "open", "--minutes", "5"]).contains("pairing is open until"))
        let device = try HearthProcess(["device", "pair", "--hub", hub, "--mode", "code", "--state", state, "--tpm", tpm.address])
        let shown = try await device.waitForOutput { $0.contains("verify: ") && $0.hasSuffix("\n") }
        let code = try #require(Self.line("code:", in: shown))
        let verify = try #require(Self.line("verify:", in: shown))
        let approved = try await space.hearth(["pair", "approve", code, "--verify", verify, "--zone", "lighting", "--name", "Lamp"])
        #expect(approved.contains("approved: device"), "\(approved)")
        #expect(try await device.waitForExit() == 0, "\(device.standardError)")

        // The state folder names the key and holds no private key.
        let files = try FileManager.default.contentsOfDirectory(atPath: state).sorted()
        #expect(files.contains(TPMKeyStore.currentName) && !files.contains(FileKeyStore.currentName), "\(files)")
        for file in files {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: state + "/" + file)), as: UTF8.self)
            #expect(!text.contains("PRIVATE KEY"), "\(file) holds a private key")
        }

        // tpm2-tools derive the very key the hub certified from the name, in the TPM, with
        // attributes that keep it there.
        let named = try await Self.publicKeyByTPMTools(tpm, nameFile: state + "/" + TPMKeyStore.currentName, folder: space.root)
        #expect(named.attributes.contains("fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|sign"), "\(named.attributes)")
        let certified = try await Self.certificateKey(state, folder: space.root)
        #expect(certified.trimmingCharacters(in: .whitespacesAndNewlines) == named.pem.trimmingCharacters(in: .whitespacesAndNewlines))

        // Mutual TLS with the key in the TPM: the hub's record of the device.
        let status = try await ProcessRunner.run(HearthProcess.binaryPath, ["device", "status", "--state", state, "--tpm", tpm.address])
        #expect(status.status == 0 && status.standardOutput.contains("\"state\""), "\(status.standardOutput)\(status.standardError)")

        // A rekey within the hour is refused by the hub (docs/pki.md); the key the device made for
        // it in the TPM is forgotten and the certified one stays. (A renewal that the hub accepts,
        // with the new key in the TPM, is SDKRenewalTests' with keysInTPM.)
        let current = try String(contentsOfFile: state + "/" + TPMKeyStore.currentName, encoding: .utf8)
        let rekey = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["device", "renew", "--force", "--state", state, "--tpm", tpm.address])
        #expect(rekey.status != 0 && rekey.standardError.contains("rekey-too-soon"), "\(rekey.standardOutput)\(rekey.standardError)")
        #expect(try String(contentsOfFile: state + "/" + TPMKeyStore.currentName, encoding: .utf8) == current)
        let after = try await ProcessRunner.run(HearthProcess.binaryPath, ["device", "status", "--state", state, "--tpm", tpm.address])
        #expect(after.status == 0, "\(after.standardError)")

        // The folder alone is not the device: without the TPM it refuses to act.
        let noTPM = try await ProcessRunner.run(HearthProcess.binaryPath, ["device", "status", "--state", state])
        #expect(noTPM.status != 0 && noTPM.standardError.contains("give --tpm"), "\(noTPM.standardError)")
        tpm.stop()
        let gone = try await ProcessRunner.run(HearthProcess.binaryPath, ["device", "status", "--state", state, "--tpm", tpm.address])
        #expect(gone.status != 0 && gone.standardError.contains("cannot reach the TPM"), "\(gone.standardError)")
    }
}
