import struct Foundation.Date
import HearthCore

/// Zero-touch onboarding state: the manufacturer roots an admin trusts, the challenges pairings
/// used, and devices a household expects by their attested serial number (an enrollment rule when
/// a zone is given) — which, once used, bind the serial to the device that paired with it.
public struct AttestationRecords: Sendable {
    let db: any SQLExecutor

    // MARK: manufacturer roots

    public func insertRoot(_ root: ManufacturerRootRecord) async throws {
        do {
            try await db.execute(
                "INSERT INTO manufacturer_roots (id, name, certificate_der, added_at) VALUES (?, ?, ?, ?)", root.id,
                root.name, root.certificateDER, root.addedAt.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "that manufacturer root is registered already")
        }
    }

    public func roots() async throws -> [ManufacturerRootRecord] {
        try await db.query("SELECT id, name, certificate_der, added_at FROM manufacturer_roots ORDER BY added_at, id").map { row in
            ManufacturerRootRecord(
                id: try row.text("id"), name: try row.text("name"), certificateDER: try row.blob("certificate_der"),
                addedAt: try row.date("added_at"))
        }
    }

    /// Removes a root; false when there was none with that id.
    public func removeRoot(id: String) async throws -> Bool {
        try await !db.query("DELETE FROM manufacturer_roots WHERE id = ? RETURNING id", id).isEmpty
    }

    // MARK: used challenges

    // Challenges are stateless (HearthPairing's `AttestationChallenge`): nothing is stored when one
    // is handed out. The `attestation_challenges` table holds the digests of challenges a pairing
    // *used*, until they expire, so a used one is refused again.

    /// Whether the challenge with this digest was used already.
    public func isChallengeUsed(digest: String) async throws -> Bool {
        try await db.first("SELECT digest FROM attestation_challenges WHERE digest = ?", digest) != nil
    }

    /// Records a challenge as used, in the transaction of the pairing that used it; false when it
    /// was used already (a concurrent replay).
    public func recordUsedChallenge(digest: String, expiresAt: Date) async throws -> Bool {
        try await !db.query(
            "INSERT INTO attestation_challenges (digest, expires_at) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING RETURNING digest",
            digest, expiresAt.unixMilliseconds
        ).isEmpty
    }

    // MARK: expected serials

    public func insertExpectation(_ expectation: AttestedExpectationRecord) async throws {
        do {
            try await db.execute(
                "INSERT INTO attested_expectations (serial, household_id, zone, name, sealed_claim_keys, created_at, expires_at, used_at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                expectation.serial, expectation.householdID, expectation.zone.sqlValue, expectation.name,
                expectation.sealedClaimKeys.map { SQLValue.blob($0) } ?? .null, expectation.createdAt.unixMilliseconds,
                expectation.expiresAt.unixMilliseconds, expectation.usedAt.map { SQLValue.integer($0.unixMilliseconds) } ?? .null,
                expectation.deviceID.sqlValue)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "a device with that serial is expected already")
        }
    }

    public func expectation(serial: String) async throws -> AttestedExpectationRecord? {
        guard let row = try await db.first(
            "SELECT \(AttestedExpectationRecord.columns) FROM attested_expectations WHERE serial = ?", serial)
        else { return nil }
        return try AttestedExpectationRecord(row)
    }

    /// Every expectation with a claim code, for re-sealing under a new KEK.
    public func expectationsWithClaimCodes() async throws -> [AttestedExpectationRecord] {
        try await db.query(
            "SELECT \(AttestedExpectationRecord.columns) FROM attested_expectations WHERE sealed_claim_keys IS NOT NULL"
        ).map(AttestedExpectationRecord.init)
    }

    public func updateSealedClaimKeys(serial: String, _ sealed: [UInt8]) async throws {
        try await db.execute("UPDATE attested_expectations SET sealed_claim_keys = ? WHERE serial = ?", sealed, serial)
    }

    /// Marks an expectation used by `device`; false when used or expired already.
    public func useExpectation(serial: String, device: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE attested_expectations SET used_at = ?, device_id = ? WHERE serial = ? AND used_at IS NULL AND expires_at > ? RETURNING serial",
            time.unixMilliseconds, device, serial, time.unixMilliseconds
        ).isEmpty
    }

    /// Puts `record` in place of `previous` (same serial) — an expired expectation, or one whose
    /// device was decommissioned — only if the row is still `previous`: false when it changed
    /// meanwhile (another registration or pairing got there first).
    public func replaceExpectation(_ record: AttestedExpectationRecord, previous: AttestedExpectationRecord) async throws -> Bool {
        try await !db.query(
            "UPDATE attested_expectations SET household_id = ?, zone = ?, name = ?, sealed_claim_keys = ?, created_at = ?, expires_at = ?, used_at = ?, device_id = ? WHERE serial = ? AND created_at = ? AND expires_at = ? AND COALESCE(device_id, '') = ? RETURNING serial",
            record.householdID, record.zone.sqlValue, record.name, record.sealedClaimKeys.map { SQLValue.blob($0) } ?? .null,
            record.createdAt.unixMilliseconds, record.expiresAt.unixMilliseconds,
            record.usedAt.map { SQLValue.integer($0.unixMilliseconds) } ?? .null, record.deviceID.sqlValue, previous.serial,
            previous.createdAt.unixMilliseconds, previous.expiresAt.unixMilliseconds, previous.deviceID ?? ""
        ).isEmpty
    }

    /// Deletes expired used challenges (their MAC check refuses them now) and unused expectations.
    public func sweep(before time: Date) async throws {
        try await db.execute("DELETE FROM attestation_challenges WHERE expires_at <= ?", time.unixMilliseconds)
        try await db.execute(
            "DELETE FROM attested_expectations WHERE expires_at <= ? AND used_at IS NULL", time.unixMilliseconds)
    }
}

public struct ManufacturerRootRecord: Sendable, Hashable {
    /// Lower-case hex SHA-256 of the certificate's DER.
    public let id: String
    public let name: String
    public let certificateDER: [UInt8]
    public let addedAt: Date

    public init(id: String, name: String, certificateDER: [UInt8], addedAt: Date) {
        self.id = id
        self.name = name
        self.certificateDER = certificateDER
        self.addedAt = addedAt
    }
}

public struct AttestedExpectationRecord: Sendable, Hashable {
    public let serial: String
    public let householdID: String
    /// The zone the device joins at once (an enrollment rule); nil: quarantine until claimed.
    public let zone: String?
    public let name: String
    /// The MAC keys of the device's claim code, sealed: with them the hub proves itself to the
    /// device (docs/pairing.md, "Mode 3").
    public var sealedClaimKeys: [UInt8]?
    public let createdAt: Date
    public let expiresAt: Date
    public var usedAt: Date?
    public var deviceID: String?

    public init(
        serial: String, householdID: String, zone: String?, name: String, sealedClaimKeys: [UInt8]? = nil,
        createdAt: Date, expiresAt: Date, usedAt: Date? = nil, deviceID: String? = nil
    ) {
        self.serial = serial
        self.householdID = householdID
        self.zone = zone
        self.name = name
        self.sealedClaimKeys = sealedClaimKeys
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.deviceID = deviceID
    }
}

extension AttestedExpectationRecord {
    static let columns = "serial, household_id, zone, name, sealed_claim_keys, created_at, expires_at, used_at, device_id"

    init(_ row: SQLRow) throws {
        self.init(
            serial: try row.text("serial"), householdID: try row.text("household_id"), zone: try row.optionalText("zone"),
            name: try row.text("name"), sealedClaimKeys: try row.optionalBlob("sealed_claim_keys"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"), usedAt: try row.optionalDate("used_at"),
            deviceID: try row.optionalText("device_id"))
    }
}
