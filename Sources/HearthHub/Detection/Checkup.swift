import Foundation
import HearthCore
import HearthDetection
import HearthStore
import X509

/// One thing `hearth checkup` found about the hub's own posture, in the spirit of AWS IoT Device
/// Defender's audit checks: which check, how bad, about what, and what to do.
public struct CheckupFinding: Sendable, Hashable, Codable {
    public let check: String
    public let severity: Severity
    public let subject: String
    public let detail: String
    public let fix: String
}

/// The hub's configuration checks for one household (docs/detection.md, "Checkup"): CAs and the
/// hub certificate near expiry, one key on certificates of two devices, revoked devices still
/// connected, devices without declared flows, owners without a second factor, grants broader
/// than their app uses, alerts left open, the audit log without a witness. Read-only, but for
/// writing down the scope uses this process noted. (A key-encryption key others may read is not
/// a finding: no hub process opens one — `hearth serve` and every command refuse, saying so.)
public struct Checkup: Sendable {
    let pki: HubPKI
    let privacy: PrivacyService
    let lifecycle: DeviceLifecycle
    /// The audit subjects connected to the broker now (a running hub); nil when nobody knows.
    let connected: (@Sendable (HouseholdID) -> Set<String>)?
    /// The running hub's scope uses not yet written: written first, so the report is current.
    let scopeUse: GrantScopeUse?

    /// How soon an expiry is worth a warning, and a critical finding.
    static let warnWithin: TimeInterval = 30 * 86_400
    static let criticalWithin: TimeInterval = 7 * 86_400

    /// A grant is judged once its use has been watched this long (a grant lives 30 days at most).
    static let grantWatchedFor: TimeInterval = 14 * 86_400
    /// OpenID Connect's scopes shape the sign-in, not a later call: never "unused".
    static let signInScopes: Set<String> = ["openid", "profile", "email", "offline_access"]

    package init(
        pki: HubPKI, privacy: PrivacyService, lifecycle: DeviceLifecycle,
        connected: (@Sendable (HouseholdID) -> Set<String>)?, scopeUse: GrantScopeUse? = nil
    ) {
        self.pki = pki
        self.privacy = privacy
        self.lifecycle = lifecycle
        self.connected = connected
        self.scopeUse = scopeUse
    }

    /// Every finding, the most severe first.
    public func run(household: HouseholdID) async throws -> [CheckupFinding] {
        let now = pki.store.clock.now
        var findings: [CheckupFinding] = []
        findings += expiringAuthorities(household: household, now: now)
        findings += try await hubCertificate(now: now)
        let statuses = try await lifecycle.list(household: household)
        findings += try await sharedKeys(household: household, now: now)
        findings += stillConnected(statuses, household: household)
        findings += try await withoutFlows(household: household)
        findings += try await ownersWithoutSecondFactor(household: household)
        findings += try await grantsBroaderThanUsed(household: household, now: now)
        findings += try await openAlerts(household: household)
        findings += try await auditWitnesses()
        return findings.sorted { ($0.severity, $1.check) > ($1.severity, $0.check) }
    }

    /// No witness: a thief with the database and the KEK could rewrite the log unseen. A witness
    /// whose last answer proved the log cut back or rewritten is critical; one not answering, a warning.
    private func auditWitnesses() async throws -> [CheckupFinding] {
        let witnesses = try await AuditWitnessing(store: pki.store).witnesses()
        guard !witnesses.isEmpty else {
            return [CheckupFinding(
                check: "audit-not-witnessed", severity: .notice, subject: "audit log",
                detail: "the audit log's signed checkpoints are not cosigned by an outside witness: someone holding both the database and the key-encryption key could rewrite it unseen",
                fix: "have another hub witness it: `hearth witness trust <this hub's audit key>` there, `hearth audit witnesses add --url … --key …` here (docs/audit.md)")]
        }
        return witnesses.compactMap { witness in
            guard let error = witness.lastError else { return nil }
            let tampered = error.hasPrefix(WitnessOutcome.rewrittenPrefix) || error.hasPrefix(WitnessOutcome.rolledBackPrefix)
            return CheckupFinding(
                check: tampered ? "audit-witness-refused" : "audit-witness-failing", severity: tampered ? .critical : .warning,
                subject: "witness \(witness.name)", detail: "the last submission to the witness: \(error)",
                fix: tampered
                    ? "run `hearth audit verify --witness <its key>`; restore the database from a backup newer than checkpoint \(witness.size), or investigate who rewrote it"
                    : "check that \(witness.url) is reachable and still witnesses this hub's log")
        }
    }

    private func expiry(_ check: String, _ subject: String, notAfter: Date, now: Date, fix: String) -> CheckupFinding? {
        let left = notAfter.timeIntervalSince(now)
        guard left < Self.warnWithin else { return nil }
        let detail = left <= 0
            ? "\(subject) expired at \(RFC3339.format(notAfter))"
            : "\(subject) expires at \(RFC3339.format(notAfter)), in \(Int(left / 86_400)) days"
        return CheckupFinding(check: check, severity: left < Self.criticalWithin ? .critical : .warning, subject: subject, detail: detail, fix: fix)
    }

    private func expiringAuthorities(household: HouseholdID, now: Date) -> [CheckupFinding] {
        let authorities = pki.authorities
        var findings = [expiry(
            "ca-expiring", "the root CA", notAfter: authorities.root.record.notAfter, now: now,
            fix: "a new root means pairing every device again; plan it before it expires")].compactMap { $0 }
        for intermediate in authorities.trustedIntermediates
        where intermediate.record.state == .active && intermediate.record.householdID == household.rawValue {
            findings += [expiry(
                "ca-expiring", "the \(intermediate.record.zone ?? "household") zone CA \(intermediate.id)",
                notAfter: intermediate.record.notAfter, now: now, fix: "hearth ca rotate-intermediate")].compactMap { $0 }
        }
        return findings
    }

    private func hubCertificate(now: Date) async throws -> [CheckupFinding] {
        guard let stored = try await pki.store.read({ db in try await db.hub.key(named: HubCertificate.keyName) }),
              let current = try? HubCertificate.unseal(stored.sealedKey, certificatePEM: stored.certificatePEM, with: pki.sealer),
              let certificate = try? current.certificate
        else { return [] }
        return [expiry(
            "hub-certificate-expiring", "the hub's TLS certificate", notAfter: certificate.notValidAfter, now: now,
            fix: "start the hub: it renews its certificate by itself while it runs")].compactMap { $0 }
    }

    private func sharedKeys(household: HouseholdID, now: Date) async throws -> [CheckupFinding] {
        let valid = try await pki.store.read { db in
            try await db.pki.certificates(CertificateQuery(householdID: household.rawValue, status: .valid, unexpiredAt: now, limit: 100_000))
        }
        var devicesByKey: [String: Set<String>] = [:]
        for certificate in valid {
            if let device = certificate.deviceID { devicesByKey[certificate.keyFingerprint, default: []].insert(device) }
        }
        return devicesByKey.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { key, devices in
            CheckupFinding(
                check: "certificate-shared", severity: .critical, subject: devices.sorted().map { "device:\($0)" }.joined(separator: " "),
                detail: "one key (\(key.prefix(16))…) is on valid certificates of \(devices.count) devices: a key was copied",
                fix: "revoke their certificates (hearth devices revoke) and pair each device again")
        }
    }

    private func stillConnected(_ statuses: [DeviceLifecycle.Status], household: HouseholdID) -> [CheckupFinding] {
        guard let connected = connected?(household) else { return [] }
        return statuses.filter { status in
            connected.contains("device:\(status.device.id)")
                && (status.certificateStatus == "revoked" || status.device.state == .quarantined || status.device.state == .decommissioned)
        }.map { status in
            CheckupFinding(
                check: "revoked-still-connected", severity: .critical, subject: "device:\(status.device.id)",
                detail: "device \(status.device.id) is \(status.device.state.rawValue) with a \(status.certificateStatus) certificate, yet connected to the broker",
                fix: "restart the hub, and report it: the live cut-off should have ended this session")
        }
    }

    private func withoutFlows(household: HouseholdID) async throws -> [CheckupFinding] {
        let map = try await privacy.map(household: household)
        let bare = map.devices.filter { $0.flows.isEmpty }
        guard !bare.isEmpty else { return [] }
        return [CheckupFinding(
            check: "devices-without-declared-flows", severity: .notice,
            subject: bare.prefix(20).map { "device:\($0.id)" }.joined(separator: " ") + (bare.count > 20 ? " …" : ""),
            detail: "\(bare.count) of \(map.devices.count) devices have no declared telemetry flow: any telemetry they send is refused",
            fix: "declare their flows (hearth privacy declare), or the maker's document for their model")]
    }

    private func ownersWithoutSecondFactor(household: HouseholdID) async throws -> [CheckupFinding] {
        try await pki.store.read { db in
            var findings: [CheckupFinding] = []
            for member in try await db.memberships.members(of: household) where member.membership.role == .owner {
                guard try await db.secondFactors.enrollment(of: member.id)?.confirmedAt == nil else { continue }
                findings.append(CheckupFinding(
                    check: "owner-without-second-factor", severity: .warning, subject: "person:\(member.id)",
                    detail: "owner \(member.person.email) signs in with a password alone",
                    fix: "enroll a second factor: POST /v1/me/second-factor"))
            }
            return findings
        }
    }

    /// Grants whose app has not used some of their scopes: watched for at least 14 days, a scope
    /// never used is access nobody needs — the least privilege the grant should have had.
    private func grantsBroaderThanUsed(household: HouseholdID, now: Date) async throws -> [CheckupFinding] {
        try await scopeUse?.flush()
        return try await pki.store.read { db in
            guard let since = try await db.oauthGrants.scopeUseRecordedSince() else { return [] }
            var findings: [CheckupFinding] = []
            for grant in try await db.oauthGrants.all(in: household) where grant.expiresAt > now {
                let watched = now.timeIntervalSince(max(grant.createdAt, since))
                guard watched >= Self.grantWatchedFor else { continue }
                let used = try await db.oauthGrants.scopeUse(grant: grant.id)
                let granted = Set(grant.scope.split(separator: " ").map(String.init)).subtracting(Self.signInScopes)
                let unused = granted.subtracting(used.keys)
                guard !unused.isEmpty else { continue }
                let days = Int(watched / 86_400)
                findings.append(CheckupFinding(
                    check: "grant-broader-than-used", severity: .notice, subject: "grant:\(grant.id)",
                    detail: "app \(grant.clientID), for \(grant.subject), holds scopes it has not used in its \(days) days: \(unused.sorted().joined(separator: " "))",
                    fix: "authorize the app again asking only for the scopes it uses, then revoke this grant (hearth clients revoke-grant \(grant.id), or DELETE /v1/oauth/grants/\(grant.id))"))
            }
            return findings
        }
    }

    private func openAlerts(household: HouseholdID) async throws -> [CheckupFinding] {
        let open = try await pki.store.read { db in try await db.alerts.list(household: household, openOnly: true, limit: 1000) }
        let critical = open.filter { $0.severity == Severity.critical.rawValue }
        guard !open.isEmpty else { return [] }
        return [CheckupFinding(
            check: "alerts-open", severity: critical.isEmpty ? .notice : .warning, subject: "alerts",
            detail: "\(open.count) alert(s) not acknowledged, \(critical.count) of them critical",
            fix: "read them (hearth alerts list --open) and acknowledge each")]
    }
}
