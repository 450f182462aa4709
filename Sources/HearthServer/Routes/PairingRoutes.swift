import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthHub
import HearthPairing
import HearthPKI
import HearthStore
import Hummingbird
import NIOCore

/// Pairing over HTTPS (docs/pairing.md).
///
/// For devices, unauthenticated (they have no certificate yet): `POST /v1/pairing/code`,
/// `POST /v1/pairing/code/poll`, `POST /v1/pairing/secret`, `POST /v1/pairing/attest/challenge`,
/// `POST /v1/pairing/attest`.
/// For owners: `GET`/`POST`/`DELETE /v1/pairing/window`, `POST /v1/pairing/approve`,
/// `POST /v1/pairing/deny`, `POST /v1/pairing/expected`; transfers between households:
/// `POST /v1/devices/<id>/transfer` (the current owner) and `POST /v1/pairing/transfer` (the
/// receiving owner, with the device's setup secret).
package struct PairingRoutes: Sendable {
    let pairing: PairingService
    /// Where the firmware a device reports with its pairing goes (docs/firmware.md).
    let posture: FirmwarePosture
    let bodyLimit: Int
    let sessions: SessionAuthenticator

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/pairing/code") { request, context in
                let body = try await JSONBody.decode(CodePairingStart.self, from: request, limit: bodyLimit)
                let started = try await pairing.start(
                    csr: try CertificateRequest(pem: body.csr), commitment: try Self.bytes(body.commitment, "commitment"),
                    hubKey: try Self.bytes(body.hubKey, "hub_key"), source: context.remoteIP ?? "unknown")
                return try JSONBody.response(
                    CodePairingStarted(
                        requestID: started.requestID, pollToken: started.pollToken, userCode: started.userCode.display,
                        hubNonce: Base64URL.encode(started.hubNonce), interval: started.interval, expiresIn: started.expiresIn),
                    status: .created)
            },
            Endpoint(.post, "/v1/pairing/code/poll") { request, context in
                let body = try await JSONBody.decode(CodePairingPoll.self, from: request, limit: bodyLimit)
                guard body.requestID.utf8.count <= 64, body.pollToken.utf8.count <= 128 else {
                    throw Problem(.unauthorized, code: "invalid-token", detail: "unknown pairing request or token; start again")
                }
                let (paired, proof) = try await pairing.poll(
                    requestID: body.requestID, pollToken: body.pollToken,
                    deviceNonce: try PairingNonce.decode(body.deviceNonce, field: "device_nonce"),
                    source: context.remoteIP ?? "unknown")
                try await recordFirmware(body.firmware, paired)
                return try JSONBody.response(PairedView(paired, hubProof: proof))
            },
            Endpoint(.post, "/v1/pairing/secret") { request, context in
                let body = try await JSONBody.decode(SecretPairingRequest.self, from: request, limit: bodyLimit)
                guard body.expectationID.utf8.count <= 64 else {
                    throw HearthError(.invalidInput, "expectation_id is the setup secret's id (32 hex digits)")
                }
                let (paired, proof) = try await pairing.pairWithSecret(
                    expectationID: body.expectationID, csr: try CertificateRequest(pem: body.csr),
                    deviceNonce: try PairingNonce.decode(body.deviceNonce, field: "device_nonce"),
                    hubKey: try Self.bytes(body.hubKey, "hub_key"), proof: try Self.bytes(body.proof, "proof"),
                    source: context.remoteIP ?? "unknown")
                try await recordFirmware(body.firmware, paired)
                return try JSONBody.response(PairedView(paired, hubProof: proof), status: .created)
            },
            Endpoint(.post, "/v1/pairing/attest/challenge") { _, context in
                let (challenge, expiresIn) = try await pairing.attestationChallenge(source: context.remoteIP ?? "unknown")
                return try JSONBody.response(
                    AttestationChallengeIssued(challenge: Base64URL.encode(challenge), expiresIn: expiresIn), status: .created)
            },
            Endpoint(.post, "/v1/pairing/attest") { request, context in
                let body = try await JSONBody.decode(AttestationPairingRequest.self, from: request, limit: bodyLimit)
                guard body.attestationChain.utf8.count <= 16 * 1024, body.signature.utf8.count <= 256,
                      let signature = Base64URL.decode(body.signature)
                else { throw HearthError(.invalidInput, "attestation_chain is PEM (at most 16 KiB); signature is base64url") }
                let (paired, proof) = try await pairing.pairWithAttestation(
                    challenge: try Self.bytes(body.challenge, "challenge"), csr: try CertificateRequest(pem: body.csr),
                    hubKey: try Self.bytes(body.hubKey, "hub_key"), chainPEM: body.attestationChain, signature: signature,
                    source: context.remoteIP ?? "unknown")
                try await recordFirmware(body.firmware, paired)
                return try JSONBody.response(PairedView(paired, hubProof: proof), status: .created)
            },
            Endpoint(.post, "/v1/devices/:id/transfer") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "give a device away", scope: "devices:transfer")
                let body = try await JSONBody.decode(TransferBody.self, from: request, limit: bodyLimit)
                guard let id = context.parameters.get("id").flatMap(DeviceID.init),
                      let target = HouseholdID(body.toHousehold)
                else { throw HearthError(.notFound, "no such device or household") }
                let transfer = try await pairing.approveTransfer(
                    device: id, from: person.householdID, to: target, actor: .person(person.id))
                return try JSONBody.response(
                    ["device_id": transfer.deviceID, "to_household": transfer.toHousehold,
                     "expires_at": RFC3339.format(transfer.expiresAt)], status: .created)
            },
            Endpoint(.post, "/v1/pairing/transfer") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "receive a device", scope: "devices:transfer")
                let body = try await JSONBody.decode(AcceptTransferBody.self, from: request, limit: bodyLimit)
                guard let id = DeviceID(body.deviceID) else { throw HearthError(.notFound, "no such device") }
                let record = try await pairing.acceptTransfer(
                    device: id, secret: try SetupSecret(text: body.secret), household: person.householdID,
                    zone: try Zone(body.zone ?? "default"), name: body.name ?? "transferred device", actor: .person(person.id))
                return try JSONBody.response(
                    ["expectation_id": record.id, "expires_at": RFC3339.format(record.expiresAt)], status: .created)
            },
            Endpoint(.get, "/v1/pairing/window") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "manage pairing", scope: "pairing:approve")
                let closes = try await pairing.windowCloses(household: person.householdID)
                return try JSONBody.response(WindowView(open: closes != nil, closesAt: closes.map(RFC3339.format)))
            },
            Endpoint(.post, "/v1/pairing/window") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "open pairing", scope: "pairing:approve")
                let body = try await JSONBody.decode(WindowBody.self, from: request, limit: bodyLimit)
                let closes = try await pairing.openWindow(
                    household: person.householdID, minutes: body.minutes ?? 10, actor: .person(person.id))
                return try JSONBody.response(WindowView(open: true, closesAt: RFC3339.format(closes)))
            },
            Endpoint(.delete, "/v1/pairing/window") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "close pairing", scope: "pairing:approve")
                _ = try await pairing.closeWindow(household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(WindowView(open: false, closesAt: nil))
            },
            Endpoint(.post, "/v1/pairing/approve") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "approve pairing", scope: "pairing:approve")
                let body = try await JSONBody.decode(ApproveBody.self, from: request, limit: bodyLimit)
                let issued = try await pairing.approve(
                    userCode: try UserCode(typed: body.userCode), verify: body.verify, household: person.householdID,
                    zone: try Zone(body.zone ?? "default"), name: body.name ?? "paired device", actor: .person(person.id))
                return try JSONBody.response(["device_id": issued.record.deviceID ?? "", "serial": issued.record.serial])
            },
            Endpoint(.post, "/v1/pairing/deny") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "deny pairing", scope: "pairing:approve")
                let body = try await JSONBody.decode(DenyBody.self, from: request, limit: bodyLimit)
                try await pairing.deny(
                    userCode: try UserCode(typed: body.userCode), household: person.householdID, actor: .person(person.id))
                return try JSONBody.response(["denied": true])
            },
            Endpoint(.post, "/v1/pairing/expected") { request, context in
                let person = try await sessions.owner(context.call(request), toDo: "expect a device", scope: "pairing:approve")
                let body = try await JSONBody.decode(ExpectBody.self, from: request, limit: bodyLimit)
                switch (body.secret, body.serial) {
                case (let secret?, nil):
                    let record = try await pairing.expect(
                        secret: try SetupSecret(text: secret), household: person.householdID,
                        zone: try Zone(body.zone ?? "default"), name: body.name ?? "expected device",
                        minutes: body.minutes ?? 60, actor: .person(person.id))
                    return try JSONBody.response(
                        ["expectation_id": record.id, "expires_at": RFC3339.format(record.expiresAt)], status: .created)
                case (nil, let serial?):
                    let record = try await pairing.expectAttested(
                        serial: serial, household: person.householdID, zone: try body.zone.map(Zone.init),
                        name: body.name ?? "expected device", minutes: body.minutes ?? 60,
                        claimCode: try body.claimCode.map(SetupSecret.init(text:)), actor: .person(person.id))
                    return try JSONBody.response(
                        ["serial": record.serial, "expires_at": RFC3339.format(record.expiresAt)], status: .created)
                default:
                    throw HearthError(.invalidInput, "give either secret (a setup secret) or serial (an attested device)")
                }
            },
        ]
    }

    package static func bytes(_ text: String, _ field: String) throws -> [UInt8] {
        guard text.utf8.count <= 128, let bytes = Base64URL.decode(text), bytes.count == 32 else {
            throw HearthError(.invalidInput, "\(field) must be 32 bytes, base64url without padding")
        }
        return bytes
    }

    struct WindowBody: Decodable { let minutes: Int? }

    struct ApproveBody: Decodable {
        let userCode: String
        let verify: String
        let zone: String?
        let name: String?
        enum CodingKeys: String, CodingKey { case verify, zone, name, userCode = "user_code" }
    }

    struct DenyBody: Decodable {
        let userCode: String
        enum CodingKeys: String, CodingKey { case userCode = "user_code" }
    }

    struct ExpectBody: Decodable {
        let secret: String?
        let serial: String?
        let claimCode: String?
        let zone: String?
        let name: String?
        let minutes: Int?
        enum CodingKeys: String, CodingKey { case secret, serial, zone, name, minutes, claimCode = "claim_code" }
    }

    struct TransferBody: Decodable {
        let toHousehold: String
        enum CodingKeys: String, CodingKey { case toHousehold = "to_household" }
    }

    struct AcceptTransferBody: Decodable {
        let deviceID: String
        let secret: String
        let zone: String?
        let name: String?
        enum CodingKeys: String, CodingKey { case secret, zone, name, deviceID = "device_id" }
    }

    struct WindowView: Encodable {
        let open: Bool
        let closesAt: String?
        enum CodingKeys: String, CodingKey { case open, closesAt = "closes_at" }
    }

    /// The firmware a device reported with its pairing, recorded once its identity is committed.
    private func recordFirmware(_ report: FirmwareReport?, _ paired: PairedDevice) async throws {
        guard let report, let id = paired.issued.record.deviceID.flatMap(DeviceID.init) else { return }
        try await posture.report(report, device: id, source: "pairing")
    }

    struct PairedView: Encodable {
        let paired: PairedDevice
        let hubProof: [UInt8]?

        init(_ paired: PairedDevice, hubProof: [UInt8]?) {
            self.paired = paired
            self.hubProof = hubProof
        }

        enum CodingKeys: String, CodingKey {
            case certificate
            case deviceID = "device_id", chainPEM = "chain_pem", rootPEM = "root_pem", hubProof = "hub_proof"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(paired.issued.record.deviceID, forKey: .deviceID)
            try container.encode(paired.issued.chainPEM, forKey: .chainPEM)
            try container.encode(paired.rootPEM, forKey: .rootPEM)
            try container.encode(CertificateView(paired.issued.record), forKey: .certificate)
            try container.encodeIfPresent(hubProof.map(Base64URL.encode), forKey: .hubProof)
        }
    }
}
