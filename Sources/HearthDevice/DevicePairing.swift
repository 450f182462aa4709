import Foundation
import HearthCore
import HearthPairing
import Logging
import X509

/// What pairing achieved.
public struct DevicePairingOutcome: Sendable, Hashable {
    public let deviceID: String
    /// The certificate after the immediate key rotation (not the one pairing issued).
    public let certificate: DeviceCertificateInfo
}

extension HearthError.Code {
    /// Pairing succeeded and was stored, but the key rotation that follows it did not happen.
    public static let rotationFailed = HearthError.Code("rotation-failed")
}

extension VirtualDevice {
    /// Pairs by showing a code (RFC 8628's shape): asks the hub for a request, calls `display`
    /// with the code that finds it and the value the owner types at approval (`VVVVV-SSSSS`), then
    /// polls until the owner decides. The device accepts the hub's root only if the hub proves,
    /// keyed by `S` (which only the owner could have given it), that it issued this certificate
    /// under that root, and if the TLS certificate it saw on every request chains to that root;
    /// then it pins the root and rotates its key at once.
    public func pairWithCode(
        hub: URL, display: (_ code: String, _ verify: String) -> Void
    ) async throws -> DevicePairingOutcome {
        let (key, csr) = try beginPairing()
        let connection = try self.connection(to: hub, trust: .capture)
        let deviceNonce = PairingNonce.make()
        var hubKey: [UInt8] = []
        let reply = try await connection.post("/v1/pairing/code") { server in
            hubKey = try PairingMaterial.keyHash(of: server.leaf)
            return Array(try JSONEncoder.hub.encode(CodePairingStart(
                csr: csr.pem, commitment: Base64URL.encode(CodePairing.commitment(to: deviceNonce)),
                hubKey: Base64URL.encode(hubKey))))
        }
        guard reply.status == 201 else { throw reply.problem }
        let started = try reply.decode(CodePairingStarted.self)
        let hubNonce = try PairingNonce.decode(started.hubNonce, field: "hub_nonce")
        let material = PairingMaterial(csrHash: csr.hash, hubKeyHash: hubKey)
        // Never logged or sent: it reaches the hub only through the owner's hands.
        let confirmation = CodePairing.makeConfirmation()
        let verification = CodePairing.verificationValue(material: material, deviceNonce: deviceNonce, hubNonce: hubNonce)
        display(started.userCode, CodePairing.displayedValue(verification: verification, confirmation: confirmation))
        let (issued, server) = try await poll(connection, started, deviceNonce: deviceNonce, hubKey: hubKey)
        let (chain, root) = try Self.parse(issued)
        let expected = CodePairing.hubProof(
            confirmation: confirmation, material: material, deviceNonce: deviceNonce, hubNonce: hubNonce,
            certificateDER: chain.derEncodings[0], rootDER: root.derEncodings[0])
        try Self.requireProof(issued.hubProof, equals: expected, "the hub did not prove the owner approved this device")
        return try await finishPairing(issued, chain: chain, root: root, hub: hub, server: server, key: key)
    }

    /// Pairs with the setup secret printed on the device, which the owner gave the hub: the device
    /// proves it knows the secret (bound to its CSR and the hub key it saw), and trusts nothing the
    /// hub returns until the hub's proof — over the certificate and root it returned — verifies.
    public func pairWithSecret(hub: URL, secret: SetupSecret) async throws -> DevicePairingOutcome {
        let (key, csr) = try beginPairing()
        let connection = try self.connection(to: hub, trust: .capture)
        let deviceNonce = PairingNonce.make()
        let proofs = try SetupSecretProofs(macKeys: secret.macKeys)
        let firmware = try folder.firmware()?.report
        var material: PairingMaterial?
        let reply = try await connection.post("/v1/pairing/secret") { server in
            let seen = PairingMaterial(csrHash: csr.hash, hubKeyHash: try PairingMaterial.keyHash(of: server.leaf))
            material = seen
            return Array(try JSONEncoder.hub.encode(SecretPairingRequest(
                expectationID: secret.id, csr: csr.pem, deviceNonce: Base64URL.encode(deviceNonce),
                hubKey: Base64URL.encode(seen.hubKeyHash),
                proof: Base64URL.encode(proofs.deviceProof(id: secret.id, material: seen, deviceNonce: deviceNonce)),
                firmware: firmware)))
        }
        guard reply.status == 201, let material else { throw reply.problem }
        let issued = try reply.decode(PairingIssued.self)
        let (chain, root) = try Self.parse(issued)
        let expected = proofs.hubProof(
            id: secret.id, material: material, deviceNonce: deviceNonce, certificateDER: chain.derEncodings[0],
            rootDER: root.derEncodings[0])
        try Self.requireProof(issued.hubProof, equals: expected, "the hub did not prove it knows the setup secret")
        return try await finishPairing(issued, chain: chain, root: root, hub: hub, server: reply.serverChain, key: key)
    }

    /// A new key for the pairing, kept as pending until its certificate is stored.
    func beginPairing() throws -> (DeviceKey, DeviceCSR) {
        guard try folder.record() == nil else {
            throw HearthError(
                .alreadyInitialized,
                "\(folder.url.path) already holds a paired device; a device pairs once (re-commissioned, it gets "
                    + "a new identity: reset it first with `hearth device reset`, or use a new folder)")
        }
        try folder.prepare()
        let key = try keys.makePendingKey()
        return (key, try CSRMaker.make(for: key))
    }

    /// Polls every `interval` seconds (5 more after each `slow-down`) until the owner decides. A
    /// failed connection is retried at the next poll, a few times; a server with another TLS key
    /// than the one the request was made to ends the pairing.
    private func poll(
        _ connection: HubConnection, _ started: CodePairingStarted, deviceNonce: [UInt8], hubKey: [UInt8]
    ) async throws -> (PairingIssued, CertificateChain) {
        let expires = ContinuousClock.now + .seconds(started.expiresIn)
        var interval = Duration.seconds(max(started.interval, 1))
        var failures = 0
        let body = Array(try JSONEncoder.hub.encode(CodePairingPoll(
            requestID: started.requestID, pollToken: started.pollToken, deviceNonce: Base64URL.encode(deviceNonce),
            firmware: try folder.firmware()?.report)))
        while true {
            try await sleep(interval)
            guard ContinuousClock.now < expires else {
                throw HubProblem(
                    status: 400, code: "expired-token", detail: "the pairing request expired unapproved; start over")
            }
            let reply: HubResponse
            do {
                reply = try await connection.post("/v1/pairing/code/poll") { server in
                    guard try PairingMaterial.keyHash(of: server.leaf) == hubKey else {
                        throw HearthError(
                            .hubKeyChanged,
                            "the hub's TLS key changed during pairing: something may stand between device and hub")
                    }
                    return body
                }
                if reply.status >= 500 { throw reply.problem }
                failures = 0
            } catch where Backoff.isRetriable(error) && failures < 5 {
                failures += 1
                logger.notice("polling the hub failed, trying again", metadata: ["error": "\(error)"])
                continue
            }
            if reply.status == 200 { return (try reply.decode(PairingIssued.self), reply.serverChain) }
            let problem = reply.problem
            switch problem.code {
            case "authorization-pending": continue
            case "slow-down": interval += .seconds(5)
            default: throw problem  // expired-token, access-denied, invalid-token: the request is over
            }
        }
    }

    /// Checked before anything the hub returned is trusted or stored.
    static func requireProof(_ sent: String?, equals expected: [UInt8], _ reason: String) throws {
        guard let proof = sent.flatMap(Base64URL.decode), constantTimeEquals(proof, expected) else {
            throw HearthError(.hubUntrusted, reason + "; nothing was stored")
        }
    }

    static func parse(_ issued: PairingIssued) throws -> (chain: CertificateChain, root: CertificateChain) {
        do {
            let chain = try CertificateChain(pem: issued.chainPEM)
            let root = try CertificateChain(pem: issued.rootPEM)
            guard root.certificates.count == 1 else { throw HearthError(.hubUntrusted, "root_pem is not one certificate") }
            return (chain, root)
        } catch let error as HearthError where error.code == .invalidInput {
            throw HearthError(.hubUntrusted, "the hub returned malformed certificates: \(error.reason)")
        }
    }

    /// Checks what the hub returned, pins its root, installs the certificate and rotates the key.
    func finishPairing(
        _ issued: PairingIssued, chain: CertificateChain, root: CertificateChain, hub: URL, server: CertificateChain,
        key: DeviceKey
    ) async throws -> DevicePairingOutcome {
        try await TrustCheck.requireIssued(chain, to: root.leaf, for: key)
        try await TrustCheck.requireHub(server, chainsTo: root.leaf, device: chain.leaf)
        try folder.store(root: root)
        // Due at once: the pairing certificate is replaced right away, and if that fails now, the
        // next `renewIfDue` does it.
        try install(chain, record: DeviceRecord(
            deviceID: issued.deviceID, hub: hub, notAfter: chain.leaf.notValidAfter, renewAfter: chain.leaf.notValidBefore))
        logger.info("paired", metadata: ["device": "\(issued.deviceID)", "serial": "\(chain.serial)"])
        do {
            let rotated = try await renew(try paired())
            return DevicePairingOutcome(deviceID: issued.deviceID, certificate: rotated.certificate)
        } catch {
            throw HearthError(
                .rotationFailed,
                "paired as device \(issued.deviceID), but the key rotation that follows failed (\(error)); renewing retries it")
        }
    }
}
