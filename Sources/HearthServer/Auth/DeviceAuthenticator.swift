import HearthCore
import HearthPKI
import HearthStore
import Hummingbird
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Resolves the client certificate of a request's TLS connection to the device it names.
///
/// The handshake already verified the chain (``ClientCertificateVerifier``); this looks the
/// certificate up in the inventory, which is authoritative for its status, and loads the device.
struct DeviceAuthenticator: Sendable {
    let store: Store

    struct Authenticated: Sendable {
        let device: Device
        let certificate: CertificateRecord
        /// Whether a certificate was already issued by renewing this one.
        let renewal: CertificateRecord?

        var facts: CertificateFacts {
            CertificateFacts(
                serial: certificate.serial, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                revoked: certificate.status == .revoked, rotationDue: certificate.origin == .pairing,
                renewed: renewal != nil)
        }
    }

    func authenticate(_ context: HearthRequestContext) async throws -> Authenticated {
        guard let presented = try? await context.channel.nioSSL_peerCertificate().get(),
              let der = try? presented.toDERBytes(), let leaf = try? Certificate(derEncoded: der)
        else {
            throw Problem(
                .unauthorized, code: "client-certificate-required",
                detail: "this endpoint needs the device's certificate over mutual TLS (for example curl --cert … --key …)")
        }
        guard let found = try await lookUp(leaf, der: der) else {
            throw Problem(
                .forbidden, code: "not-a-device-certificate", detail: "the client certificate does not name a device of this hub")
        }
        return found
    }

    /// The device a certificate (already verified by the handshake) names, with its inventory
    /// record; nil when it is not a device certificate of this hub.
    func lookUp(_ leaf: Certificate, der: [UInt8]) async throws -> Authenticated? {
        let serial = SerialNumberText.hex(leaf.serialNumber)
        return try await store.read { db -> Authenticated? in
            guard let record = try await db.pki.certificate(serial: serial), record.certificateDER == der,
                  let id = record.deviceID.flatMap(DeviceID.init), let device = try await db.devices.find(id),
                  device.householdID.rawValue == record.householdID
            else { return nil }
            return Authenticated(device: device, certificate: record, renewal: try await db.pki.renewal(of: serial))
        }
    }
}
