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

/// Issuing in two steps. ``prepare`` resolves the identity (a read) and signs — CPU work that
/// callers run in parallel. ``commit`` then records a batch in the caller's transaction: the
/// key-reuse check, the device, the `certificate.issued` audit entries and the inventory rows
/// commit together, so no certificate leaves the hub before it is durably recorded. A prepared
/// certificate whose commit fails is discarded unseen.
package enum RecordedIssuance {
    package struct Prepared: Sendable {
        package let order: CertificateOrder
        package let actor: AuditActor
        package let issuer: LoadedAuthority
        package let certificate: Certificate
        /// A device record to create with the certificate (`.newDevice`).
        package let newDevice: Device?
        package let record: CertificateRecord
        package let chainPEM: String
    }

    /// The stored device an order names, if it names one (a read the caller makes before
    /// ``prepare``).
    package static func device(for order: CertificateOrder, in db: StoreSession) async throws -> Device? {
        guard case .device(let id) = order.subject else { return nil }
        return try await checkedDevice(id, household: order.household, in: db)
    }

    /// Chooses the names and signs; `device` is ``device(for:in:)``'s answer. Nothing is written.
    package static func prepare(
        _ order: CertificateOrder, device: Device?, authorities: AuthoritySet, trustDomain: String, actor: AuditActor,
        now: Date
    ) throws -> Prepared {
        let namespace = IdentityNamespace(trustDomain: trustDomain, householdID: order.household)
        var newDevice: Device?
        let deviceID: DeviceID?
        let zone: Zone
        let uri: String
        switch order.subject {
        case .hub:
            (deviceID, zone, uri) = (nil, order.zone ?? .default, namespace.hubURI)
        case .integration(let client):
            (deviceID, zone, uri) = (nil, order.zone ?? .default, namespace.integrationURI(client: client))
        case .device(let id):
            guard let device, device.id == id else { throw HearthError(.notFound, "no device \(id) in this household") }
            (deviceID, zone, uri) = (id, order.zone ?? device.zone, namespace.deviceURI(id))
        case .newDevice(let name, let pending):
            let device = try Device(
                householdID: order.household, zone: order.zone ?? .default, name: name, state: pending ? .pending : .active,
                createdAt: now)
            newDevice = device
            (deviceID, zone, uri) = (device.id, device.zone, namespace.deviceURI(device.id))
        }
        guard let issuer = authorities.active(household: order.household, zone: zone), let issuing = issuer.issuing else {
            throw HearthError(.notFound, "the household has no zone \(zone)")
        }
        var names: [GeneralName] = [.uniformResourceIdentifier(uri)]
        names += order.dnsNames.map { .dnsName($0) }
        names += order.ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let certificate = try CertificateIssuer.issue(
            Issuance(
                request: order.request, profile: order.profile, commonName: Self.commonName(order.subject, device: deviceID),
                subjectAlternativeNames: names, lifetime: order.lifetime),
            by: issuing, now: now)
        let der = try certificate.derBytes
        let record = CertificateRecord(
            serial: SerialNumberText.hex(certificate.serialNumber), issuerID: issuer.id,
            keyFingerprint: order.request.keyFingerprint, householdID: order.household.rawValue,
            deviceID: deviceID?.rawValue, zone: zone.name, profile: order.profile.rawValue, uri: uri,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, issuedAuditSeq: -1,
            renewedFrom: order.renewedFrom, origin: order.origin, certificateDER: der)
        return Prepared(
            order: order, actor: actor, issuer: issuer, certificate: certificate, newDevice: newDevice, record: record,
            chainPEM: authorities.chainPEM(leaf: der, issuer: issuer))
    }

    /// Records prepared certificates in the caller's transaction. Each item is checked first (key
    /// never used, device still certifiable, CA still issuing); one that fails its checks gets its
    /// error and writes nothing, the others are recorded with one audit append for the batch.
    package static func commit(_ batch: [Prepared], in db: StoreSession) async throws -> [Result<IssuedCertificate, HearthError>] {
        var results: [Result<IssuedCertificate, HearthError>?] = Array(repeating: nil, count: batch.count)
        var accepted: [Int] = []
        var keys = try await db.pki.usedKeys(batch.map(\.order.request.keyFingerprint))
        var issuing: [String: Bool] = [:]
        for (index, item) in batch.enumerated() {
            do {
                let key = item.order.request.keyFingerprint
                guard !keys.contains(key) else {
                    throw HearthError(.conflict, "this public key was already certified by this hub; make a new key")
                }
                if case .device(let id) = item.order.subject {
                    _ = try await checkedDevice(id, household: item.order.household, in: db)
                }
                if issuing[item.issuer.id] == nil { issuing[item.issuer.id] = try await db.pki.lockIfIssuing(item.issuer.id) }
                guard issuing[item.issuer.id] == true else {
                    throw HearthError(.conflict, "the CA of zone \(item.record.zone) changed a moment ago; try again")
                }
                keys.insert(key)
                accepted.append(index)
            } catch let error as HearthError {
                results[index] = .failure(error)
            }
        }
        try await db.devices.insert(accepted.compactMap { batch[$0].newDevice })
        let entries = try await db.audit.append(accepted.map { index in
            let item = batch[index]
            return AuditEvent(
                .certificateIssued, actor: item.actor, subject: "certificate:\(item.record.serial)",
                household: item.order.household, reason: item.order.renewedFrom.map { "renewal of \($0)" } ?? "issued from a CSR",
                details: [
                    "profile": item.record.profile, "zone": item.record.zone, "issuer": item.issuer.id, "uri": item.record.uri,
                    "key_fingerprint": item.record.keyFingerprint, "key_algorithm": item.order.request.keyAlgorithm.rawValue,
                    "not_after": RFC3339.format(item.record.notAfter),
                ])
        })
        var records: [CertificateRecord] = []
        for (index, entry) in zip(accepted, entries) {
            var record = batch[index].record
            record.issuedAuditSeq = entry.index
            records.append(record)
            results[index] = .success(IssuedCertificate(
                record: record, certificate: batch[index].certificate, chainPEM: batch[index].chainPEM))
        }
        try await db.pki.insert(records)
        return results.map { $0 ?? .failure(HearthError(.storageUnavailable, "an issuance was neither recorded nor refused")) }
    }

    /// Issues one certificate entirely inside the caller's transaction (init, renewal of the
    /// hub's own certificate).
    package static func issue(
        _ order: CertificateOrder, in db: StoreSession, authorities: AuthoritySet, trustDomain: String,
        actor: AuditActor, now: Date
    ) async throws -> IssuedCertificate {
        let prepared = try prepare(
            order, device: try await device(for: order, in: db), authorities: authorities, trustDomain: trustDomain,
            actor: actor, now: now)
        return try await commit([prepared], in: db)[0].get()
    }

    private static func commonName(_ subject: CertificateOrder.Subject, device: DeviceID?) -> String {
        if case .integration(let client) = subject { return "integration " + client }
        return device?.rawValue ?? "hub"
    }

    private static func checkedDevice(_ id: DeviceID, household: HouseholdID, in db: StoreSession) async throws -> Device {
        guard let device = try await db.devices.find(id), device.householdID == household else {
            throw HearthError(.notFound, "no device \(id) in this household")
        }
        guard device.state == .active || device.state == .pending else {
            throw HearthError(.illegalTransition, "device \(id) is \(device.state.rawValue); it cannot be certified")
        }
        return device
    }
}

extension Certificate {
    package var derBytes: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }
}
