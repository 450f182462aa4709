import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthFirmware
import HearthPKI
import HearthStore
import X509

/// Renewal over mutual TLS: a device trades the certificate it authenticated with for one with a
/// new key, issued by its current zone's CA, with its profile's default lifetime.
///
/// The policy decides twice: on what the handshake and inventory said (so a refused request
/// costs no signature), and again inside the transaction under the old certificate's row lock,
/// so a revocation, quarantine or second renewal that commits meanwhile wins. A certificate from
/// pairing is revoked as superseded by its renewal, in the same transaction. Every refusal is
/// audited (`certificate.renewal_refused`) and changes nothing else.
package struct CertificateRenewal: Sendable {
    package let pki: HubPKI

    /// Why the device asks.
    package enum Reason: String, Sendable {
        /// Its renewal window is open (or its pairing certificate must be rotated).
        case scheduled
        /// It suspects its key leaked and rekeys before the window: allowed once an hour
        /// (``PolicyEngine/rekeyInterval``) and audited as `certificate.rekeyed`, the signal
        /// detection watches for.
        case keyCompromise = "key-compromise"
    }

    /// Detection's inbox: each renewal is a signal (a renewal from an address the device was
    /// never seen at is reported). Nil with detection off.
    let signals: SignalInbox?

    /// A renewal of a certificate that ends within this is urgent (``renew(_:csr:reason:source:firmware:)``).
    package static let urgentWithin: TimeInterval = 120

    package init(pki: HubPKI, signals: SignalInbox? = nil) {
        self.pki = pki
        self.signals = signals
    }

    /// The renewed certificate and whether it was issued now (false: a retry of a renewal that
    /// already succeeded with the same key, answered with the same certificate).
    /// `source`: the address the request came from. `firmware`: what the device says it runs
    /// now, recorded with the renewal; a device out of posture renews only with firmware in
    /// posture (docs/firmware.md).
    /// Past ``HubPKI/renewals`` at once, the renewal is shed (`overloaded`, with `Retry-After`) —
    /// unless the certificate ends within ``urgentWithin``: then it is admitted past the limit (up to
    /// twice it), since a device whose certificate ends before its appointment has to re-pair.
    package func renew(
        _ caller: DeviceAuthenticator.Authenticated, csr: CertificateRequest, reason: Reason = .scheduled, source: String? = nil,
        firmware: FirmwareReport? = nil
    ) async throws -> (IssuedCertificate, fresh: Bool) {
        let urgent = caller.certificate.notAfter.timeIntervalSince(pki.store.clock.now) <= Self.urgentWithin
        return try await pki.renewals.run(urgent: urgent) {
            try await renewAdmitted(caller, csr: csr, reason: reason, source: source, firmware: firmware)
        }
    }

    private func renewAdmitted(
        _ caller: DeviceAuthenticator.Authenticated, csr: CertificateRequest, reason: Reason, source: String?,
        firmware: FirmwareReport?
    ) async throws -> (IssuedCertificate, fresh: Bool) {
        do {
            if let earlier = caller.renewal, earlier.keyFingerprint == csr.keyFingerprint, earlier.status == .valid {
                return (try pki.issuedCertificate(earlier), false)
            }
            let facts = firmware == nil
                ? caller.policyFacts
                : try await pki.store.read { db in try await FirmwarePosture.facts(caller.device, report: firmware, in: db) }
            let early = try Self.check(caller, facts, reason: reason, now: pki.store.clock.now)
            guard let profile = CertificateProfile(rawValue: caller.certificate.profile) else {
                throw HearthError(.invalidInput, "certificates of profile \(caller.certificate.profile) are not renewed")
            }
            let order = try CertificateOrder(
                request: csr, profile: profile, household: caller.device.householdID, subject: .device(caller.device.id),
                lifetime: pki.deviceLifetime(profile), renewedFrom: caller.certificate.serial, origin: .renewal)
            let prepared = try RecordedIssuance.prepare(
                order, device: caller.device, authorities: pki.authorities, trustDomain: pki.trustDomain,
                actor: .device(caller.device.id), now: pki.store.clock.now)
            let pki = self.pki
            let issued = try await pki.store.write { db -> IssuedCertificate in
                let now = db.clock.now
                guard try await db.pki.lockIfValid(caller.certificate.serial),
                      let current = try await db.pki.certificate(serial: caller.certificate.serial),
                      let device = try await db.devices.find(caller.device.id)
                else { throw HearthError(.conflict, "certificate \(caller.certificate.serial) was revoked a moment ago") }
                let policyFacts = try await FirmwarePosture.facts(device, report: firmware, in: db)
                let fresh = DeviceAuthenticator.Authenticated(
                    device: device, certificate: current, renewal: try await db.pki.renewal(of: current.serial),
                    householdActive: caller.householdActive, policyFacts: policyFacts)
                _ = try Self.check(fresh, policyFacts, reason: reason, now: now)
                if let firmware {
                    try await FirmwarePosture(store: pki.store, signals: signals).record(firmware, of: device, source: "renewal", in: db)
                }
                let issued = try await RecordedIssuance.commit([prepared], in: db)[0].get()
                if early {
                    try await db.audit.append(AuditEvent(
                        .certificateRekeyed, actor: .device(device.id), subject: "certificate:\(current.serial)",
                        household: device.householdID,
                        reason: "the device suspects its key leaked and rekeyed before its renewal window",
                        details: ["serial": issued.record.serial]))
                }
                if current.origin == .pairing {
                    _ = try await pki.revokeInTransaction(
                        [current], reason: .superseded, actor: .device(device.id), in: db, crlsNow: false)
                }
                try await db.devices.markSeen(device, at: now)
                return issued
            }
            if caller.certificate.origin == .pairing { try await pki.refresh() }
            if let signals, let source {
                signals.post(.renewed(caller.device.id, household: caller.device.householdID, source: source, at: pki.store.clock.now))
            }
            return (issued, true)
        } catch let error as HearthError where error.code != .storageUnavailable {
            try await audit(caller, code: error.code.rawValue, reason: error.reason)
            throw error
        }
    }

    /// Throws the policy's refusal; true when the renewal is allowed only as an early rekey.
    private static func check(
        _ caller: DeviceAuthenticator.Authenticated, _ device: DeviceFacts, reason: Reason, now: Date
    ) throws -> Bool {
        let facts = caller.facts
        func decide(_ action: PolicyAction) -> PolicyDecision {
            PolicyEngine.decide(.device(device, presenting: facts), action, .certificate(facts), PolicyContext(now: now))
        }
        let scheduled = decide(.renewCertificate)
        if scheduled.allowed { return false }
        let decision = reason == .keyCompromise && scheduled.code == "renewal-too-early" ? decide(.rekeyCertificate) : scheduled
        guard decision.allowed else { throw HearthError(.forbidden, code: decision.code, decision.reason) }
        return true
    }

    private func audit(_ caller: DeviceAuthenticator.Authenticated, code: String, reason: String) async throws {
        try await pki.store.write { db in
            try await db.audit.append(AuditEvent(
                .renewalRefused, actor: .device(caller.device.id), subject: "certificate:\(caller.certificate.serial)",
                household: caller.device.householdID, reason: reason, details: ["code": code]))
        }
    }
}
