import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthStore

/// The hub's side of pairing (see docs/pairing.md): the pairing window, code-mode requests and
/// their approval, and devices expected by their setup secret.
///
/// Limits: a request lives 10 minutes and is collected once; an address may hold 3 pending
/// requests; failures (unknown tokens, wrong verification values, wrong proofs, attempts while
/// pairing is closed) slow down their address and household with the sign-in back-off. Every
/// attempt that changes or is refused is audited — except what the back-off already refuses,
/// so a flood cannot fill the log.
public struct PairingService: Sendable {
    public let pki: HubPKI
    package let throttle: FailureThrottle
    /// Whether a reported hub-key hash is the key this hub's listener serves.
    package let isServedKey: @Sendable ([UInt8]) -> Bool
    /// Zero-touch challenges, made and checked without storing them (keys derived from the KEK,
    /// so every hub node sharing it accepts the others').
    package let challenges: AttestationChallenge

    public static let requestLifetime: TimeInterval = 600
    public static let pollInterval = 5
    package static let maximumPendingPerSource = 3
    package static let maximumVerificationFailures = 3
    public static let maximumWindowMinutes = 60
    public static let maximumExpectationMinutes = 24 * 60

    package init(pki: HubPKI, throttle: FailureThrottle, isServedKey: @escaping @Sendable ([UInt8]) -> Bool) {
        self.pki = pki
        self.throttle = throttle
        self.isServedKey = isServedKey
        challenges = AttestationChallenge(
            keys: pki.sealer.derivedKeys(purpose: "attestation challenge"), lifetime: Self.challengeLifetime)
    }

    package var store: Store { pki.store }

    package static func sealedName(_ expectationID: String) -> String { "pairing:\(expectationID)" }

    // MARK: the window

    /// Opens (or extends) the household's pairing window for `minutes` (1 to 60).
    public func openWindow(household: HouseholdID, minutes: Int, actor: AuditActor) async throws -> Date {
        guard (1...Self.maximumWindowMinutes).contains(minutes) else {
            throw HearthError(.invalidInput, "a pairing window lasts 1 to \(Self.maximumWindowMinutes) minutes")
        }
        return try await store.write { db in
            let now = db.clock.now
            let closes = now.addingTimeInterval(TimeInterval(minutes * 60))
            try await db.pairing.openWindow(household: household, by: actor.description, at: now, until: closes)
            try await db.audit.append(AuditEvent(
                .pairingWindowOpened, actor: actor, subject: "household:\(household)", household: household,
                reason: "pairing open for \(minutes) minutes", details: ["closes_at": RFC3339.format(closes)]))
            return closes
        }
    }

    public func closeWindow(household: HouseholdID, actor: AuditActor) async throws -> Bool {
        try await store.write { db in
            guard try await db.pairing.closeWindow(household: household, at: db.clock.now) else { return false }
            try await db.audit.append(AuditEvent(
                .pairingWindowClosed, actor: actor, subject: "household:\(household)", household: household,
                reason: "pairing closed"))
            return true
        }
    }

    public func windowCloses(household: HouseholdID) async throws -> Date? {
        try await store.read { db in try await db.pairing.windowCloses(household: household, at: db.clock.now) }
    }

    // MARK: shared

    /// Refuses at once while the keys are in back-off; nothing is written.
    package func checkThrottle(_ keys: [String]) async throws {
        try await throttle.enforce(keys, "failed pairing attempts")
    }

    /// Records a refused attempt: back-off for its keys, and an audit entry. Returns the error,
    /// for the caller to throw.
    package func refuse(
        _ error: HearthError, keys: [String], actor: AuditActor, subject: String, household: HouseholdID?
    ) async throws -> HearthError {
        try await recordRefusal(
            code: error.code.rawValue, reason: error.reason, keys: keys, actor: actor, subject: subject, household: household)
        return error
    }

    private func recordRefusal(
        code: String, reason: String, keys: [String], actor: AuditActor, subject: String, household: HouseholdID?
    ) async throws {
        try await store.write { db in
            try await throttle.recordFailure(keys, in: db)
            try await db.audit.append(AuditEvent(
                .pairingRefused, actor: actor, subject: subject, household: household, reason: reason,
                details: ["code": code]))
        }
    }

    /// The identity an expectation paired, if its record still exists.
    package static func pairedDevice(_ id: String?, in db: StoreSession) async throws -> Device? {
        guard let id = id.flatMap(DeviceID.init) else { return nil }
        return try await db.devices.find(id)
    }

    package static func sourceKey(_ source: String) -> String { "pairing-source:\(source)" }
    package static func householdKey(_ household: HouseholdID) -> String { "pairing-household:\(household)" }

    /// Issues a paired device's first certificate in the caller's transaction: a new device in
    /// `zone`, origin `pairing` (so it may, and should, be renewed at once).
    package static func prepareFirstCertificate(
        csr: CertificateRequest, household: HouseholdID, zone: Zone, name: String, pending: Bool = false, pki: HubPKI,
        actor: AuditActor
    ) throws -> RecordedIssuance.Prepared {
        let order = try CertificateOrder(
            request: csr, profile: .device, household: household,
            subject: .newDevice(name: name, pending: pending), zone: zone, lifetime: pki.deviceLifetime(.device),
            origin: .pairing)
        return try RecordedIssuance.prepare(
            order, device: nil, authorities: pki.authorities, trustDomain: pki.trustDomain, actor: actor,
            now: pki.store.clock.now)
    }
}

/// What a paired device receives: its certificate chain and the hub's root to pin.
public struct PairedDevice: Sendable {
    public let issued: IssuedCertificate
    public let rootPEM: String
    public let rootDER: [UInt8]
}
