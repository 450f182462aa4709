import struct Foundation.Date
import HearthCore

/// Pairing state: each household's pairing window, requests of devices that show a code, and
/// devices expected by their setup secret. Codes and tokens are kept only as digests; an
/// expectation's MAC keys only sealed. Rows are deleted once used or expired.
public struct PairingRecords: Sendable {
    let db: any SQLExecutor

    // MARK: windows

    public func openWindow(household: HouseholdID, by actor: String, at time: Date, until closes: Date) async throws {
        try await db.execute("DELETE FROM pairing_windows WHERE household_id = ?", household.rawValue)
        try await db.execute(
            "INSERT INTO pairing_windows (household_id, opened_by, opened_at, closes_at) VALUES (?, ?, ?, ?)",
            household.rawValue, actor, time.unixMilliseconds, closes.unixMilliseconds)
    }

    /// Closes the window; false when none was open.
    public func closeWindow(household: HouseholdID, at time: Date) async throws -> Bool {
        try await !db.query(
            "DELETE FROM pairing_windows WHERE household_id = ? AND closes_at > ? RETURNING household_id",
            household.rawValue, time.unixMilliseconds
        ).isEmpty
    }

    /// When the household's window closes, if it is open at `time`.
    public func windowCloses(household: HouseholdID, at time: Date) async throws -> Date? {
        try await db.first(
            "SELECT closes_at FROM pairing_windows WHERE household_id = ? AND closes_at > ?",
            household.rawValue, time.unixMilliseconds
        ).map { try $0.date("closes_at") }
    }

    /// The households whose window is open at `time`.
    public func openWindows(at time: Date) async throws -> [HouseholdID] {
        try await db.query("SELECT household_id FROM pairing_windows WHERE closes_at > ? ORDER BY household_id", time.unixMilliseconds)
            .compactMap { HouseholdID(try $0.text("household_id")) }
    }

    // MARK: code requests

    public func insert(_ request: PairingRequestRecord) async throws {
        _ = try await db.query(
            "INSERT INTO pairing_requests (\(PairingRequestRecord.columns)) VALUES (\(Array(repeating: "?", count: 18).joined(separator: ", ")))",
            request.sqlValues)
    }

    public func request(id: String) async throws -> PairingRequestRecord? {
        try await db.first("SELECT \(PairingRequestRecord.columns) FROM pairing_requests WHERE id = ?", id)
            .map(PairingRequestRecord.init)
    }

    public func request(userCodeDigest: String) async throws -> PairingRequestRecord? {
        try await db.first(
            "SELECT \(PairingRequestRecord.columns) FROM pairing_requests WHERE user_code_digest = ?", userCodeDigest
        ).map(PairingRequestRecord.init)
    }

    /// Pending requests not yet expired, oldest first (for `hearth pair list`).
    public func pendingRequests(at time: Date) async throws -> [PairingRequestRecord] {
        try await db.query(
            "SELECT \(PairingRequestRecord.columns) FROM pairing_requests WHERE status = 'pending' AND expires_at > ? ORDER BY created_at",
            time.unixMilliseconds
        ).map(PairingRequestRecord.init)
    }

    /// Requests from `source` still pending at `time` (the per-address limit).
    public func pendingCount(source: String, at time: Date) async throws -> Int {
        let row = try await db.first(
            "SELECT COUNT(*) AS n FROM pairing_requests WHERE source = ? AND status = 'pending' AND expires_at > ?",
            source, time.unixMilliseconds)
        return Int(try row?.integer("n") ?? 0)
    }

    /// When the first of the source's pending requests expires (nil when none is pending): when
    /// the source may start another after reaching its cap.
    public func firstPendingExpiry(source: String, at time: Date) async throws -> Date? {
        try await db.first(
            "SELECT MIN(expires_at) AS first_expiry FROM pairing_requests WHERE source = ? AND status = 'pending' AND expires_at > ?",
            source, time.unixMilliseconds
        )?.optionalDate("first_expiry")
    }

    /// Stores the device's revealed nonce and the poll time.
    public func recordPoll(id: String, deviceNonce: [UInt8], at time: Date) async throws {
        try await db.execute(
            "UPDATE pairing_requests SET device_nonce = ?, last_poll_at = ? WHERE id = ?", deviceNonce,
            time.unixMilliseconds, id)
    }

    /// Counts a wrong verification value; returns the new count.
    public func addFailedVerification(id: String) async throws -> Int {
        let row = try await db.first(
            "UPDATE pairing_requests SET failed_verifications = failed_verifications + 1 WHERE id = ? RETURNING failed_verifications",
            id)
        return Int(try row?.integer("failed_verifications") ?? 0)
    }

    /// Moves a pending request to approved (with what was issued) or denied; false when it was
    /// no longer pending (decided concurrently).
    public func decide(
        id: String, approved: Bool, household: HouseholdID, deviceID: String? = nil, serial: String? = nil,
        hubProof: [UInt8]? = nil
    ) async throws -> Bool {
        try await !db.query(
            "UPDATE pairing_requests SET status = ?, household_id = ?, device_id = ?, certificate_serial = ?, hub_proof = ? WHERE id = ? AND status = 'pending' RETURNING id",
            approved ? "approved" : "denied", household.rawValue, deviceID.sqlValue, serial.sqlValue,
            hubProof.map { SQLValue.blob($0) } ?? .null, id
        ).isEmpty
    }

    /// Deletes a request (collected, denied and told, or expired); false when it was gone already.
    public func deleteRequest(id: String) async throws -> Bool {
        try await !db.query("DELETE FROM pairing_requests WHERE id = ? RETURNING id", id).isEmpty
    }

    // MARK: expected devices

    public func insert(_ expectation: PairingExpectationRecord) async throws {
        do {
            _ = try await db.query(
                "INSERT INTO pairing_expectations (\(PairingExpectationRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                expectation.sqlValues)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "this setup secret was registered before; a secret is used once")
        }
    }

    public func expectation(id: String) async throws -> PairingExpectationRecord? {
        try await db.first("SELECT \(PairingExpectationRecord.columns) FROM pairing_expectations WHERE id = ?", id)
            .map(PairingExpectationRecord.init)
    }

    public func expectations(household: HouseholdID) async throws -> [PairingExpectationRecord] {
        try await db.query(
            "SELECT \(PairingExpectationRecord.columns) FROM pairing_expectations WHERE household_id = ? ORDER BY created_at",
            household.rawValue
        ).map(PairingExpectationRecord.init)
    }

    /// Marks an expectation used by `device`; false when it was used (or expired) already.
    public func useExpectation(id: String, device: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE pairing_expectations SET used_at = ?, device_id = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING id",
            time.unixMilliseconds, device, id, time.unixMilliseconds
        ).isEmpty
    }

    /// Registers `record` in place of `previous` (same id) — an expired one, or one whose device
    /// was decommissioned — only if the row is still `previous`: false when it changed meanwhile
    /// (another registration or a pairing got there first).
    public func replaceExpectation(_ record: PairingExpectationRecord, previous: PairingExpectationRecord) async throws -> Bool {
        try await !db.query(
            "UPDATE pairing_expectations SET household_id = ?, zone = ?, name = ?, sealed_keys = ?, created_at = ?, expires_at = ?, used_at = NULL, device_id = NULL WHERE id = ? AND created_at = ? AND expires_at = ? AND COALESCE(device_id, '') = ? RETURNING id",
            record.householdID, record.zone, record.name, record.sealedKeys, record.createdAt.unixMilliseconds,
            record.expiresAt.unixMilliseconds, previous.id, previous.createdAt.unixMilliseconds,
            previous.expiresAt.unixMilliseconds, previous.deviceID ?? ""
        ).isEmpty
    }

    /// The setup-secret expectation a device paired with, if it paired that way.
    public func expectation(device: String) async throws -> PairingExpectationRecord? {
        try await db.first("SELECT \(PairingExpectationRecord.columns) FROM pairing_expectations WHERE device_id = ?", device)
            .map(PairingExpectationRecord.init)
    }

    /// Makes a used expectation expect its device again, in another household (a transfer): the
    /// device pairs anew there with the same setup secret, as a new identity.
    public func reopenExpectation(
        id: String, household: HouseholdID, zone: Zone, name: String, at time: Date, until expires: Date
    ) async throws {
        try await db.execute(
            "UPDATE pairing_expectations SET household_id = ?, zone = ?, name = ?, created_at = ?, expires_at = ?, used_at = NULL, device_id = NULL WHERE id = ?",
            household.rawValue, zone.name, name, time.unixMilliseconds, expires.unixMilliseconds, id)
    }

    // MARK: transfers

    public func insertTransfer(_ transfer: DeviceTransferRecord) async throws {
        try await db.execute("DELETE FROM device_transfers WHERE device_id = ?", transfer.deviceID)
        try await db.execute(
            "INSERT INTO device_transfers (device_id, from_household, to_household, approved_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            transfer.deviceID, transfer.fromHousehold, transfer.toHousehold, transfer.approvedBy,
            transfer.createdAt.unixMilliseconds, transfer.expiresAt.unixMilliseconds)
    }

    public func transfer(device: String) async throws -> DeviceTransferRecord? {
        guard let row = try await db.first(
            "SELECT device_id, from_household, to_household, approved_by, created_at, expires_at FROM device_transfers WHERE device_id = ?",
            device)
        else { return nil }
        return DeviceTransferRecord(
            deviceID: try row.text("device_id"), fromHousehold: try row.text("from_household"),
            toHousehold: try row.text("to_household"), approvedBy: try row.text("approved_by"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"))
    }

    public func deleteTransfer(device: String) async throws {
        try await db.execute("DELETE FROM device_transfers WHERE device_id = ?", device)
    }

    /// Replaces an expectation's sealed keys (KEK rotation).
    public func updateSealedKeys(expectation id: String, _ sealed: [UInt8]) async throws {
        try await db.execute("UPDATE pairing_expectations SET sealed_keys = ? WHERE id = ?", sealed, id)
    }

    /// Every expectation, for re-sealing under a new KEK.
    public func allExpectations() async throws -> [PairingExpectationRecord] {
        try await db.query("SELECT \(PairingExpectationRecord.columns) FROM pairing_expectations")
            .map(PairingExpectationRecord.init)
    }

    /// Deletes requests and unused expectations expired before `time`, and closed windows.
    @discardableResult
    public func sweep(before time: Date) async throws -> Int {
        let requests = try await db.query(
            "DELETE FROM pairing_requests WHERE expires_at <= ? RETURNING id", time.unixMilliseconds)
        let expectations = try await db.query(
            "DELETE FROM pairing_expectations WHERE expires_at <= ? AND used_at IS NULL RETURNING id", time.unixMilliseconds)
        try await db.execute("DELETE FROM pairing_windows WHERE closes_at <= ?", time.unixMilliseconds)
        try await db.execute("DELETE FROM device_transfers WHERE expires_at <= ?", time.unixMilliseconds)
        return requests.count + expectations.count
    }
}

/// A device's request in code mode, from its start until it collects its certificate.
public struct PairingRequestRecord: Sendable, Hashable {
    public enum Status: String, Sendable { case pending, approved, denied }

    public let id: String
    public let userCodeDigest: String
    public let pollTokenDigest: String
    public let csrDER: [UInt8]
    public let commitment: [UInt8]
    public let hubNonce: [UInt8]
    /// The hub key hash the device said it saw.
    public let hubKey: [UInt8]
    public var deviceNonce: [UInt8]?
    /// The address the request came from.
    public let source: String
    public let createdAt: Date
    public let expiresAt: Date
    public var lastPollAt: Date?
    public var status: Status
    public var failedVerifications: Int
    public var householdID: String?
    public var deviceID: String?
    public var certificateSerial: String?
    /// The hub's MAC for the device, made at approval with the secret part the owner typed.
    public var hubProof: [UInt8]?

    public init(
        id: String, userCodeDigest: String, pollTokenDigest: String, csrDER: [UInt8], commitment: [UInt8],
        hubNonce: [UInt8], hubKey: [UInt8], source: String, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.userCodeDigest = userCodeDigest
        self.pollTokenDigest = pollTokenDigest
        self.csrDER = csrDER
        self.commitment = commitment
        self.hubNonce = hubNonce
        self.hubKey = hubKey
        self.source = source
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.status = .pending
        self.failedVerifications = 0
    }

    static let columns =
        "id, user_code_digest, poll_token_digest, csr_der, commitment, hub_nonce, hub_key, device_nonce, source, created_at, expires_at, last_poll_at, status, failed_verifications, household_id, device_id, certificate_serial, hub_proof"

    init(_ row: SQLRow) throws {
        guard let status = Status(rawValue: try row.text("status")) else {
            throw HearthError(.storageUnavailable, "a stored pairing request is malformed")
        }
        self.init(
            id: try row.text("id"), userCodeDigest: try row.text("user_code_digest"),
            pollTokenDigest: try row.text("poll_token_digest"), csrDER: try row.blob("csr_der"),
            commitment: try row.blob("commitment"), hubNonce: try row.blob("hub_nonce"), hubKey: try row.blob("hub_key"),
            source: try row.text("source"), createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"))
        deviceNonce = try row.optionalBlob("device_nonce")
        lastPollAt = try row.optionalDate("last_poll_at")
        self.status = status
        failedVerifications = Int(try row.integer("failed_verifications"))
        householdID = try row.optionalText("household_id")
        deviceID = try row.optionalText("device_id")
        certificateSerial = try row.optionalText("certificate_serial")
        hubProof = try row.optionalBlob("hub_proof")
    }

    var sqlValues: [SQLValue] {
        [
            .text(id), .text(userCodeDigest), .text(pollTokenDigest), .blob(csrDER), .blob(commitment), .blob(hubNonce),
            .blob(hubKey), deviceNonce.map { .blob($0) } ?? .null, .text(source), .integer(createdAt.unixMilliseconds),
            .integer(expiresAt.unixMilliseconds), lastPollAt.map { .integer($0.unixMilliseconds) } ?? .null,
            .text(status.rawValue), .integer(Int64(failedVerifications)), householdID.sqlValue, deviceID.sqlValue,
            certificateSerial.sqlValue, hubProof.map { .blob($0) } ?? .null,
        ]
    }
}

/// A device the owner announced with its setup secret: the secret's public id, where the device
/// goes, and the sealed MAC keys derived from the secret (never the secret itself).
public struct PairingExpectationRecord: Sendable, Hashable {
    public let id: String
    public let householdID: String
    public let zone: String
    public let name: String
    public var sealedKeys: [UInt8]
    public let createdAt: Date
    public let expiresAt: Date
    public var usedAt: Date?
    public var deviceID: String?

    public init(
        id: String, householdID: String, zone: String, name: String, sealedKeys: [UInt8], createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.householdID = householdID
        self.zone = zone
        self.name = name
        self.sealedKeys = sealedKeys
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    static let columns = "id, household_id, zone, name, sealed_keys, created_at, expires_at, used_at, device_id"

    init(_ row: SQLRow) throws {
        self.init(
            id: try row.text("id"), householdID: try row.text("household_id"), zone: try row.text("zone"),
            name: try row.text("name"), sealedKeys: try row.blob("sealed_keys"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"))
        usedAt = try row.optionalDate("used_at")
        deviceID = try row.optionalText("device_id")
    }

    var sqlValues: [SQLValue] {
        [
            .text(id), .text(householdID), .text(zone), .text(name), .blob(sealedKeys), .integer(createdAt.unixMilliseconds),
            .integer(expiresAt.unixMilliseconds), usedAt.map { .integer($0.unixMilliseconds) } ?? .null, deviceID.sqlValue,
        ]
    }
}

/// A transfer the current owner approved, waiting for the new household to give the device's
/// local proof.
public struct DeviceTransferRecord: Sendable, Hashable {
    public let deviceID: String
    public let fromHousehold: String
    public let toHousehold: String
    /// Who approved it for the current household (`person:…`, `system:cli`).
    public let approvedBy: String
    public let createdAt: Date
    public let expiresAt: Date

    public init(
        deviceID: String, fromHousehold: String, toHousehold: String, approvedBy: String, createdAt: Date, expiresAt: Date
    ) {
        self.deviceID = deviceID
        self.fromHousehold = fromHousehold
        self.toHousehold = toHousehold
        self.approvedBy = approvedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
