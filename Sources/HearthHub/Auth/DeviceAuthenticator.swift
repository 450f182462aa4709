import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// Resolves the client certificate of a request's TLS connection to the device it names.
///
/// The handshake already verified the chain (``ClientCertificateVerifier``); this looks the
/// certificate up in the inventory, which is authoritative for its status, and loads the device.
///
/// The first use of a renewed certificate supersedes the one it replaced. Not at renewal itself:
/// a device whose answer was lost asks again with its old certificate and the same key (and gets
/// the same certificate back). Once the device is seen with the new one, the old key is worth
/// nothing to whoever may have copied it (and after an hour regardless: ``HubPKI/supersede(_:actor:)``).
package struct DeviceAuthenticator: Sendable {
    package let pki: HubPKI
    package var store: Store { pki.store }

    package init(pki: HubPKI) {
        self.pki = pki
    }

    package struct Authenticated: Sendable {
        package let device: Device
        package let certificate: CertificateRecord
        /// Whether a certificate was already issued by renewing this one.
        package let renewal: CertificateRecord?
        /// Whether the device's household is active (not suspended by a hub operator).
        package let householdActive: Bool
        /// The device as the policy sees it, its firmware posture included.
        package let policyFacts: DeviceFacts

        package var facts: CertificateFacts {
            CertificateFacts(
                serial: certificate.serial, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                revoked: certificate.status == .revoked, rotationDue: certificate.origin == .pairing,
                renewed: renewal != nil, issuedAt: CertificateValidity.issuedAt(notBefore: certificate.notBefore))
        }
    }

    package static let householdSuspended = HearthError(
        .forbidden, code: "household-suspended", "the device's household is suspended; its hub operator can resume it")

    package func authenticate(_ call: CallContext) async throws -> Authenticated {
        guard let der = await call.clientCertificate(), let leaf = try? Certificate(derEncoded: der)
        else {
            throw HearthError(.unauthenticated, code: "client-certificate-required",
                "this endpoint needs the device's certificate over mutual TLS (for example curl --cert … --key …)")
        }
        guard let found = try await lookUp(leaf, der: der) else {
            throw HearthError(.forbidden, code: "not-a-device-certificate", "the client certificate does not name a device of this hub")
        }
        guard found.householdActive else { throw Self.householdSuspended }
        return found
    }

    /// The device a certificate (already verified by the handshake) names, with its inventory
    /// record; nil when it is not a device certificate of this hub.
    package func lookUp(_ leaf: Certificate, der: [UInt8]) async throws -> Authenticated? {
        let serial = SerialNumberText.hex(leaf.serialNumber)
        let pki = self.pki
        let found = try await store.read { db -> (Authenticated, replaced: CertificateRecord?)? in
            guard let record = try await db.pki.certificate(serial: serial), record.certificateDER == der,
                  let id = record.deviceID.flatMap(DeviceID.init), let device = try await db.devices.find(id),
                  device.householdID.rawValue == record.householdID
            else { return nil }
            var replaced: CertificateRecord?
            // The revocation set answers from memory once the old certificate is superseded; the
            // read is for the first use, and for a predecessor that has since expired.
            if record.status == .valid, let previous = record.renewedFrom, !pki.isRevoked(serial: previous),
               let old = try await db.pki.certificate(serial: previous), old.status == .valid, old.notAfter > db.clock.now
            {
                replaced = old
            }
            let active = try await db.households.find(device.householdID)?.state == .active
            return (
                Authenticated(
                    device: device, certificate: record, renewal: try await db.pki.renewal(of: serial), householdActive: active,
                    policyFacts: try await FirmwarePosture.facts(device, in: db)),
                replaced
            )
        }
        guard let (authenticated, replaced) = found else { return nil }
        if let replaced { try await pki.supersede([replaced], actor: .device(authenticated.device.id)) }
        return authenticated
    }
}
