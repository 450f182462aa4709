import HearthCore
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// Resolves the client certificate of a request's TLS connection to the device it names.
///
/// The handshake already verified the chain (``ClientCertificateVerifier``); this looks the
/// certificate up in the inventory, which is authoritative for its status, and loads the device.
package struct DeviceAuthenticator: Sendable {
    package let store: Store

    package init(store: Store) {
        self.store = store
    }

    package struct Authenticated: Sendable {
        package let device: Device
        package let certificate: CertificateRecord
        /// Whether a certificate was already issued by renewing this one.
        package let renewal: CertificateRecord?

        package var facts: CertificateFacts {
            CertificateFacts(
                serial: certificate.serial, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                revoked: certificate.status == .revoked, rotationDue: certificate.origin == .pairing,
                renewed: renewal != nil)
        }
    }

    package func authenticate(_ call: CallContext) async throws -> Authenticated {
        guard let der = await call.clientCertificate(), let leaf = try? Certificate(derEncoded: der)
        else {
            throw HearthError(.unauthenticated, code: "client-certificate-required",
                "this endpoint needs the device's certificate over mutual TLS (for example curl --cert … --key …)")
        }
        guard let found = try await lookUp(leaf, der: der) else {
            throw HearthError(.forbidden, code: "not-a-device-certificate", "the client certificate does not name a device of this hub")
        }
        return found
    }

    /// The device a certificate (already verified by the handshake) names, with its inventory
    /// record; nil when it is not a device certificate of this hub.
    package func lookUp(_ leaf: Certificate, der: [UInt8]) async throws -> Authenticated? {
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
