import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// A certificate the hub issued, with what a client needs to use it.
public struct IssuedCertificate: Sendable {
    public let record: CertificateRecord
    public let certificate: Certificate
    /// The certificate then its issuing intermediate, PEM.
    public let chainPEM: String
}

/// Issues one certificate inside the caller's transaction: the key-reuse check, the identity, the
/// signature, the inventory row and the `certificate.issued` audit entry commit together or not
/// at all, so nothing is handed out that is not durably recorded.
enum CertificateIssuing {
    static func issue(
        _ order: CertificateOrder, in db: StoreSession, authorities: AuthoritySet, trustDomain: String,
        actor: AuditActor, now: Date
    ) async throws -> IssuedCertificate {
        let request = order.request
        if try await db.pki.keyWasUsed(request.keyFingerprint) {
            throw HearthError(.conflict, "this public key was already certified by this hub; make a new key")
        }
        let namespace = IdentityNamespace(trustDomain: trustDomain, householdID: order.household)
        let (deviceID, defaultZone, uri, commonName) = try await identity(of: order, in: db, namespace: namespace, now: now)
        let zone = order.zone ?? defaultZone
        guard let issuer = authorities.active(household: order.household, zone: zone), let issuing = issuer.issuing else {
            throw HearthError(.notFound, "the household has no issuing CA for zone \(zone)")
        }
        guard try await db.pki.lockIfIssuing(issuer.id) else {
            throw HearthError(.conflict, "the CA of zone \(zone) changed a moment ago; try again")
        }
        var names: [GeneralName] = [.uniformResourceIdentifier(uri)]
        names += order.dnsNames.map { .dnsName($0) }
        names += order.ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let certificate = try CertificateIssuer.issue(
            Issuance(
                request: request, profile: order.profile, commonName: commonName, subjectAlternativeNames: names,
                lifetime: order.lifetime),
            by: issuing, now: now)
        let serial = Array(certificate.serialNumber.bytes).hexString
        let entry = try await db.audit.append(AuditEvent(
            .certificateIssued, actor: actor, subject: "certificate:\(serial)", household: order.household,
            reason: order.renewedFrom.map { "renewal of \($0)" } ?? "issued from a CSR",
            details: [
                "profile": order.profile.rawValue, "zone": zone.name, "issuer": issuer.id, "uri": uri,
                "key_fingerprint": request.keyFingerprint, "key_algorithm": request.keyAlgorithm.rawValue,
                "not_after": RFC3339.format(certificate.notValidAfter),
            ]))
        let record = CertificateRecord(
            serial: serial, issuerID: issuer.id, keyFingerprint: request.keyFingerprint,
            householdID: order.household.rawValue, deviceID: deviceID?.rawValue, zone: zone.name,
            profile: order.profile.rawValue, uri: uri, notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter, issuedAuditSeq: entry.index, renewedFrom: order.renewedFrom,
            certificateDER: try certificate.derBytes)
        try await db.pki.insert(record)
        return IssuedCertificate(
            record: record, certificate: certificate, chainPEM: try authorities.chainPEM(leaf: certificate, issuer: issuer))
    }

    /// The device (made now for `.newDevice`), its zone, identity URI and non-personal common name.
    private static func identity(
        of order: CertificateOrder, in db: StoreSession, namespace: IdentityNamespace, now: Date
    ) async throws -> (DeviceID?, Zone, String, String) {
        switch order.subject {
        case .hub:
            return (nil, .default, namespace.hubURI, "hub")
        case .device(let id):
            guard let device = try await db.devices.find(id), device.householdID == order.household else {
                throw HearthError(.notFound, "no device \(id) in this household")
            }
            guard device.state == .active || device.state == .pending else {
                throw HearthError(.illegalTransition, "device \(id) is \(device.state.rawValue); it cannot be certified")
            }
            return (id, device.zone, namespace.deviceURI(id), id.rawValue)
        case .newDevice(let name):
            let zone = order.zone ?? .default
            let device = try Device(householdID: order.household, zone: zone, name: name, state: .active, createdAt: now)
            try await db.devices.insert(device)
            return (device.id, zone, namespace.deviceURI(device.id), device.id.rawValue)
        }
    }
}

extension Certificate {
    var derBytes: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }
}
