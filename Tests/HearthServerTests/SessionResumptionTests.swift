import Foundation
import HearthTesting
import Testing

/// Issue 18, item 10: a TLS 1.3 session resumed from a ticket carries the client certificate of
/// the handshake that made the ticket, and the TLS library does not ask the hub's verifier again.
/// A device whose certificate was revoked after it got a ticket must not get a working
/// connection from it, on HTTPS or on MQTT. openssl's `s_client -sess_out` / `-sess_in` is the
/// client, as a person checking the hub would use it.
@Suite(.requires(.openssl)) struct SessionResumptionTests {
    static let healthz = #"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"#
    /// MQTT 3.1.1 CONNECT, clean session, keep-alive 60 s, empty client identifier (a device may
    /// leave it empty; the broker assigns its device id), as printf octal escapes.
    static let connect = #"\020\014\000\004MQTT\004\002\000\074\000\000"#
    /// CONNACK, whatever its return code: the broker read the CONNECT and answered it.
    static let connack: [UInt8] = [0x20, 0x02, 0x00]

    @Test func aRevokedCertificateCannotResumeItsHTTPSSession() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "resume-https")
            defer { try? FileManager.default.removeItem(at: folder) }
            let owner = try await PKITools.token(hub)
            let lamp = try await PKITools.issue(hub, token: owner, folder: folder, name: "lamp")
            let client = SClient(port: hub.port, root: hub.certificatePath, certificate: lamp.leaf, key: lamp.key)
            let session = folder.appendingPathComponent("lamp.session").path

            let first = try await client.run(sending: Self.healthz, sessionOut: session)
            #expect(first.isNew && first.output.contains("HTTP/1.1 200"), "\(first.output)")
            try #require(FileManager.default.fileExists(atPath: session), "no session ticket arrived: \(first.output)")
            // While the certificate is good, resuming is allowed and served.
            let resumedWhileValid = try await client.run(sending: Self.healthz, sessionIn: session)
            #expect(resumedWhileValid.isReused && resumedWhileValid.output.contains("HTTP/1.1 200"), "\(resumedWhileValid.output)")

            let revoke = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(lamp.serial)/revoke", ["reason": "key-compromise"], headers: PKITools.bearer(owner))
            try #require(revoke.status == 200, "\(revoke.text)")

            // The ticket still decrypts, but the connection it resumes is closed before any request is read.
            let resumed = try await client.run(sending: Self.healthz, sessionIn: session)
            #expect(resumed.isReused, "the ticket was not taken, so this shows nothing about resumption: \(resumed.output)")
            #expect(!resumed.output.contains("HTTP/1.1"), "a revoked certificate's resumed session was served: \(resumed.output)")
            // And a full handshake with the revoked certificate is refused.
            let full = try await client.run(sending: Self.healthz)
            #expect(!full.isReused && !full.output.contains("HTTP/1.1"), "\(full.output)")
        }
    }

    @Test func aRevokedCertificateCannotResumeItsMQTTSession() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "resume-mqtt")
            defer { try? FileManager.default.removeItem(at: folder) }
            let owner = try await PKITools.token(hub)
            let lamp = try await PKITools.issue(hub, token: owner, folder: folder, name: "lamp")
            let client = SClient(port: hub.mqttPort, root: hub.certificatePath, certificate: lamp.leaf, key: lamp.key)
            let session = folder.appendingPathComponent("lamp.session").path

            let first = try await client.run(sending: Self.connect, sessionOut: session)
            #expect(first.isNew && first.received(Self.connack + [0x00]), "CONNACK 0 expected: \(first.output)")
            try #require(FileManager.default.fileExists(atPath: session), "no session ticket arrived: \(first.output)")
            let resumedWhileValid = try await client.run(sending: Self.connect, sessionIn: session)
            #expect(
                resumedWhileValid.isReused && resumedWhileValid.received(Self.connack + [0x00]), "\(resumedWhileValid.output)")

            let revoke = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(lamp.serial)/revoke", ["reason": "key-compromise"], headers: PKITools.bearer(owner))
            try #require(revoke.status == 200, "\(revoke.text)")

            // Closed at the TLS layer: the broker never reads the CONNECT, so not even a refusal comes back.
            let resumed = try await client.run(sending: Self.connect, sessionIn: session)
            #expect(resumed.isReused, "the ticket was not taken, so this shows nothing about resumption: \(resumed.output)")
            #expect(!resumed.received(Self.connack), "the broker answered a revoked certificate's resumed session: \(resumed.output)")
            let full = try await client.run(sending: Self.connect)
            #expect(!full.isReused && !full.received(Self.connack), "\(full.output)")
        }
    }
}

/// `openssl s_client` presenting a client certificate: sends `data` (printf escapes), waits a
/// second for the answer and the session tickets, then closes.
struct SClient {
    let port: Int
    let root: String
    let certificate: String
    let key: String

    struct Outcome {
        let output: String
        /// s_client's "Reused, TLSv1.3" (the ticket was accepted) or "New, TLSv1.3".
        var isReused: Bool { output.contains("Reused, TLSv1.3") }
        var isNew: Bool { output.contains("New, TLSv1.3") }

        /// Whether these bytes came back from the server (s_client prints what it reads).
        func received(_ bytes: [UInt8]) -> Bool {
            ByteSearch.contains(Data(output.utf8), Data(bytes))
        }
    }

    func run(sending data: String, sessionOut: String? = nil, sessionIn: String? = nil) async throws -> Outcome {
        var options = ["-connect", "127.0.0.1:\(port)", "-CAfile", root, "-cert", certificate, "-key", key]
        if let sessionOut { options += ["-sess_out", sessionOut] }
        if let sessionIn { options += ["-sess_in", sessionIn] }
        // s_client ends when its input does: the pause is how long the server has to answer (and
        // to send its ticket), generous for a machine running the whole suite at once.
        let command = "(printf '\(data)'; sleep 8) | /usr/bin/openssl s_client "
            + options.map { "'\($0)'" }.joined(separator: " ") + " 2>&1"
        let result = try await ProcessRunner.run("/bin/sh", ["-c", command])
        return Outcome(output: result.standardOutput)
    }
}
