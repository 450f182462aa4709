import Crypto
import Foundation
import HearthCore
import HearthPairing
import Logging
import SwiftASN1
import X509

/// What a manufacturer put in the device: an attestation key and the certificate chain that
/// names the device's serial, up to (not including) the manufacturer's root, and optionally a
/// claim code printed with the serial. Kept in the state folder as `attestation.key` (PKCS#8
/// PEM, 0600), `attestation.pem` and `claim-code` (0600).
public struct DeviceAttestation: Sendable {
    public let key: P256.Signing.PrivateKey
    public let chainPEM: String
    /// With a claim code the device accepts only a hub that proves it was given the code.
    public let claimCode: SetupSecret?

    public init(key: P256.Signing.PrivateKey, chainPEM: String, claimCode: SetupSecret? = nil) {
        self.key = key
        self.chainPEM = chainPEM
        self.claimCode = claimCode
    }

    static func keyURL(_ folder: URL) -> URL { folder.appendingPathComponent("attestation.key") }
    static func chainURL(_ folder: URL) -> URL { folder.appendingPathComponent("attestation.pem") }
    static func claimURL(_ folder: URL) -> URL { folder.appendingPathComponent("claim-code") }

    /// The serial the attestation certifies.
    public var serial: String {
        get throws { Attestation.deviceSerial(of: try Certificate(pemEncoded: chainPEM)) }
    }

    /// The attestation stored in a device's state folder.
    public static func load(from folder: URL) throws -> DeviceAttestation {
        do {
            let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyURL(folder), encoding: .utf8))
            let claim = try? String(contentsOf: claimURL(folder), encoding: .utf8)
            return DeviceAttestation(
                key: key, chainPEM: try String(contentsOf: chainURL(folder), encoding: .utf8),
                claimCode: try claim.map { try SetupSecret(text: $0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        } catch {
            throw HearthError(
                .invalidInput,
                "\(folder.path) holds no attestation (attestation.key and attestation.pem); `hearth device manufacture` makes one")
        }
    }

    /// Writes the attestation into a device's state folder.
    public func store(in folder: URL) throws {
        try AtomicFile.makePrivateFolder(folder)
        try AtomicFile.write(Array(key.pemRepresentation.utf8), to: Self.keyURL(folder), mode: 0o600)
        try AtomicFile.write(Array(chainPEM.utf8), to: Self.chainURL(folder))
        if let claimCode { try AtomicFile.write(Array(claimCode.text.utf8), to: Self.claimURL(folder), mode: 0o600) }
    }
}

/// A manufacturer for virtual devices: a P-256 root kept in a folder, which certifies attestation
/// keys with the device's serial in the subject. Real devices get theirs at the factory; this lets
/// a user with no hardware try zero-touch pairing (`hearth device manufacture`).
public struct VirtualManufacturer: Sendable {
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey
    /// The time of day the certificates it makes start from.
    let clock: any HearthClock

    /// The manufacturer in `folder` (`manufacturer.pem`, `manufacturer.key`), made on first use.
    public static func open(
        _ folder: URL, name: String = "Virtual Devices Inc.", clock: any HearthClock = SystemClock()
    ) throws -> VirtualManufacturer {
        let certificateURL = folder.appendingPathComponent("manufacturer.pem")
        let keyURL = folder.appendingPathComponent("manufacturer.key")
        if FileManager.default.fileExists(atPath: certificateURL.path) {
            return VirtualManufacturer(
                certificate: try Certificate(pemEncoded: String(contentsOf: certificateURL, encoding: .utf8)),
                key: try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyURL, encoding: .utf8)),
                clock: clock)
        }
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName(name)
            CommonName("\(name) attestation root")
        }
        let now = clock.now
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(20 * 365 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        try AtomicFile.makePrivateFolder(folder)
        try AtomicFile.write(Array(key.pemRepresentation.utf8), to: keyURL, mode: 0o600)
        try AtomicFile.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: certificateURL)
        return VirtualManufacturer(certificate: certificate, key: key, clock: clock)
    }

    public var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

    /// A new attestation key certified for `serial`, with a new claim code if asked.
    public func attest(serial: String, withClaimCode: Bool = false) throws -> DeviceAttestation {
        let key = P256.Signing.PrivateKey()
        let now = clock.now
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(15 * 365 * 86_400),
            issuer: self.certificate.subject,
            subject: DistinguishedName([
                RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: [2, 5, 4, 5], printableString: serial)),
                RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: [2, 5, 4, 3], utf8String: "attested device")),
            ]),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: .init(self.key))
        return DeviceAttestation(
            key: key, chainPEM: try certificate.serializeAsPEM().pemString + "\n",
            claimCode: withClaimCode ? SetupSecret.generate() : nil)
    }
}

struct EmptyBody: Encodable {}

extension VirtualDevice {
    /// Zero-touch pairing: signs the hub's challenge, the CSR and the hub key seen with the
    /// manufacturer's attestation key. The hub places the device in quarantine until an owner
    /// claims it, unless the household expects its serial. With a claim code the device accepts
    /// only a hub that proves it was given the code; without one it shares no secret with the hub
    /// and trusts the hub it first reaches (docs/pairing.md, "Mode 3").
    public func pairWithAttestation(hub: URL, attestation: DeviceAttestation) async throws -> DevicePairingOutcome {
        let (key, csr) = try beginPairing()
        let connection = try self.connection(to: hub, trust: .capture)
        let challengeReply = try await connection.post("/v1/pairing/attest/challenge", json: EmptyBody())
        guard challengeReply.status == 201 else { throw challengeReply.problem }
        let challenge = try PairingNonce.decode(
            try challengeReply.decode(AttestationChallengeIssued.self).challenge, field: "challenge")
        var seen: PairingMaterial?
        let firmware = try folder.firmware()?.report
        let reply = try await connection.post("/v1/pairing/attest") { server in
            let material = PairingMaterial(csrHash: csr.hash, hubKeyHash: try PairingMaterial.keyHash(of: server.leaf))
            seen = material
            return Array(try JSONEncoder.hub.encode(AttestationPairingRequest(
                challenge: Base64URL.encode(challenge), csr: csr.pem, hubKey: Base64URL.encode(material.hubKeyHash),
                attestationChain: attestation.chainPEM,
                signature: Base64URL.encode(try Attestation.sign(challenge: challenge, material: material, key: attestation.key)),
                firmware: firmware)))
        }
        guard reply.status == 201, let material = seen else { throw reply.problem }
        let issued = try reply.decode(PairingIssued.self)
        let (chain, root) = try Self.parse(issued)
        if let claimCode = attestation.claimCode {
            let expected = Attestation.hubProof(
                claimCode: try SetupSecretProofs(macKeys: claimCode.macKeys), serial: try attestation.serial,
                challenge: challenge, material: material, certificateDER: chain.derEncodings[0], rootDER: root.derEncodings[0])
            try Self.requireProof(issued.hubProof, equals: expected, "the hub did not prove it was given this device's claim code")
        } else {
            logger.notice("zero-touch pairing without a claim code: the hub's root is trusted on first use")
        }
        return try await finishPairing(issued, chain: chain, root: root, hub: hub, server: reply.serverChain, key: key)
    }
}
