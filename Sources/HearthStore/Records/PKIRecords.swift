import struct Foundation.Date
import typealias Foundation.TimeInterval
import HearthCore

/// The hub's certificate authorities, every certificate they issued, their CRLs, and the
/// revision counter that tells every process a revocation happened.
///
/// Values the PKI library owns (profiles, reason codes) are stored as their raw text or number,
/// so the store needs no X.509 code; HearthServer maps them.
public struct PKIRecords: Sendable {
    let db: any SQLExecutor

    public func authorities() async throws -> [AuthorityRecord] {
        try await db.query("SELECT \(AuthorityRecord.columns) FROM ca_authorities ORDER BY created_at, id")
            .map(AuthorityRecord.init)
    }

    public func authority(_ id: String) async throws -> AuthorityRecord? {
        try await db.first("SELECT \(AuthorityRecord.columns) FROM ca_authorities WHERE id = ?", id)
            .map(AuthorityRecord.init)
    }

    public func insert(_ authority: AuthorityRecord) async throws {
        _ = try await db.query(
            "INSERT INTO ca_authorities (\(AuthorityRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            authority.sqlValues)
    }

    /// True when the CA may issue now. Written as an UPDATE so that on PostgreSQL it takes the
    /// CA's row lock: an issuance then cannot slip past a concurrent revocation of its CA.
    public func lockIfIssuing(_ id: String) async throws -> Bool {
        try await !db.query(
            "UPDATE ca_authorities SET state = state WHERE id = ? AND state = 'active' RETURNING id", id
        ).isEmpty
    }

    /// Stops an intermediate issuing; what it issued stays valid (the rotation overlap).
    public func retire(_ id: String, at time: Date) async throws {
        try await db.execute(
            "UPDATE ca_authorities SET state = 'retired', retired_at = ? WHERE id = ? AND state = 'active'",
            time.unixMilliseconds, id)
    }

    public func markRevoked(_ id: String, at time: Date) async throws {
        try await db.execute(
            "UPDATE ca_authorities SET state = 'revoked', retired_at = COALESCE(retired_at, ?) WHERE id = ?",
            time.unixMilliseconds, id)
    }

    /// Replaces a sealed key (KEK rotation).
    public func updateSealedKey(authority id: String, _ sealedKey: [UInt8]) async throws {
        try await db.execute("UPDATE ca_authorities SET sealed_key = ? WHERE id = ?", sealedKey, id)
    }

    /// The next CRL number of an issuer, taken under the row lock so two processes never reuse one.
    public func nextCRLNumber(_ id: String) async throws -> Int64 {
        guard let row = try await db.first(
            "UPDATE ca_authorities SET crl_number = crl_number + 1 WHERE id = ? RETURNING crl_number", id)
        else { throw HearthError(.notFound, "no certificate authority \(id)") }
        return try row.integer("crl_number")
    }

    // MARK: certificates

    /// Inserts inventory rows, several per statement.
    public func insert(_ certificates: [CertificateRecord]) async throws {
        let row = "(" + Array(repeating: "?", count: 18).joined(separator: ", ") + ")"
        do {
            for chunk in certificates.chunked(50) {
                _ = try await db.query(
                    "INSERT INTO certificates (\(CertificateRecord.columns)) VALUES "
                        + Array(repeating: row, count: chunk.count).joined(separator: ", "),
                    chunk.flatMap(\.sqlValues))
            }
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "this public key was already certified by this hub; make a new key")
        }
    }

    /// True when any certificate or CA of this hub ever used the key.
    public func keyWasUsed(_ fingerprint: String) async throws -> Bool {
        try await !usedKeys([fingerprint]).isEmpty
    }

    /// The fingerprints among `fingerprints` that a certificate or CA of this hub ever used.
    public func usedKeys(_ fingerprints: [String]) async throws -> Set<String> {
        var used: Set<String> = []
        for chunk in fingerprints.chunked(200) {
            let list = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let binds = chunk.map { SQLValue.text($0) }
            for row in try await db.query(
                "SELECT key_fingerprint FROM certificates WHERE key_fingerprint IN (\(list)) UNION ALL SELECT key_fingerprint FROM ca_authorities WHERE key_fingerprint IN (\(list))",
                binds + binds)
            {
                used.insert(try row.text("key_fingerprint"))
            }
        }
        return used
    }

    /// True when the certificate is valid, taking its row lock on PostgreSQL so that two renewals
    /// (or a renewal and a revocation) of one certificate are decided one after the other.
    public func lockIfValid(_ serial: String) async throws -> Bool {
        try await !db.query(
            "UPDATE certificates SET status = status WHERE serial = ? AND status = 'valid' RETURNING serial", serial
        ).isEmpty
    }

    /// Each device's newest certificate (the last issued), by device id, for a household.
    public func newestDeviceCertificates(household: String) async throws -> [String: CertificateRecord] {
        let rows = try await db.query(
            """
            SELECT \(CertificateRecord.columns) FROM certificates c WHERE household_id = ? AND device_id IS NOT NULL
            AND issued_audit_seq = (SELECT MAX(issued_audit_seq) FROM certificates n WHERE n.device_id = c.device_id)
            """, household)
        var newest: [String: CertificateRecord] = [:]
        for row in rows {
            let record = try CertificateRecord(row)
            if let device = record.deviceID { newest[device] = record }
        }
        return newest
    }

    /// The certificate issued by renewing `serial`, if it was renewed.
    public func renewal(of serial: String) async throws -> CertificateRecord? {
        try await db.first("SELECT \(CertificateRecord.columns) FROM certificates WHERE renewed_from = ? LIMIT 1", serial)
            .map(CertificateRecord.init)
    }

    /// The certificates naming `uri` (a device's or gateway's identity): a handful at most.
    public func certificates(uri: String) async throws -> [CertificateRecord] {
        try await db.query("SELECT \(CertificateRecord.columns) FROM certificates WHERE uri = ?", uri)
            .map(CertificateRecord.init)
    }

    public func certificate(serial: String) async throws -> CertificateRecord? {
        try await db.first("SELECT \(CertificateRecord.columns) FROM certificates WHERE serial = ?", serial)
            .map(CertificateRecord.init)
    }

    public func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        var filter = SQLFilter()
        filter.add("household_id = ?", query.householdID.map { .text($0) })
        filter.add("issuer_id = ?", query.issuerID.map { .text($0) })
        filter.add("device_id = ?", query.deviceID.map { .text($0) })
        filter.add("status = ?", query.status.map { .text($0.rawValue) })
        filter.add("not_after < ?", query.expiringBefore.map { .integer($0.unixMilliseconds) })
        filter.add("not_after > ?", query.unexpiredAt.map { .integer($0.unixMilliseconds) })
        if let after = query.after {
            let notAfter = SQLValue.integer(after.notAfter.unixMilliseconds)
            filter.add("(not_after > ? OR (not_after = ? AND serial > ?))", [notAfter, notAfter, .text(after.serial)])
        }
        return try await db.query(
            "SELECT \(CertificateRecord.columns) FROM certificates \(filter.clause) ORDER BY not_after, serial LIMIT ?",
            filter.binds + [.integer(Int64(query.limit))]
        ).map(CertificateRecord.init)
    }

    /// Marks a valid certificate revoked; false when it was already revoked (nothing changes).
    public func revoke(serial: String, at time: Date, reason: Int, auditSeq: Int64) async throws -> Bool {
        try await !db.query(
            "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ?, revoked_audit_seq = ? WHERE serial = ? AND status = 'valid' RETURNING serial",
            time.unixMilliseconds, reason, auditSeq, serial
        ).isEmpty
    }

    /// Revoked certificates of an issuer that have not expired: the entries of its CRL.
    public func revokedEntries(issuer id: String, unexpiredAt now: Date) async throws -> [CertificateRecord] {
        try await certificates(
            CertificateQuery(issuerID: id, status: .revoked, unexpiredAt: now, limit: Int(Int32.max)))
    }

    /// Whether a certificate of the issuer was revoked after `time` (its CRL is behind).
    public func hasRevocations(issuer id: String, after time: Date) async throws -> Bool {
        try await !db.query(
            "SELECT serial FROM certificates WHERE issuer_id = ? AND status = 'revoked' AND revoked_at > ? LIMIT 1",
            id, time.unixMilliseconds
        ).isEmpty
    }

    /// Valid, unexpired certificates that were renewed by a certificate issued (by its notBefore)
    /// before `renewedBefore`: the old halves of rotations their devices have not yet finished.
    public func unsupersededRenewals(renewedBefore: Date, unexpiredAt now: Date, limit: Int) async throws -> [CertificateRecord] {
        try await db.query(
            """
            SELECT \(CertificateRecord.columns) FROM certificates WHERE status = 'valid' AND not_after > ?
            AND serial IN (SELECT renewed_from FROM certificates WHERE renewed_from IS NOT NULL AND not_before < ?)
            ORDER BY serial LIMIT ?
            """, now.unixMilliseconds, renewedBefore.unixMilliseconds, limit
        ).map(CertificateRecord.init)
    }

    /// Every unexpired revoked serial, hub-wide: the live revocation set of the TLS listeners.
    public func revokedSerials(unexpiredAt now: Date) async throws -> RevokedSerials {
        try RevokedSerials(rows: await db.query(
            "SELECT serial, revoked_audit_seq FROM certificates WHERE status = 'revoked' AND not_after > ?", now.unixMilliseconds))
    }

    /// The serials revoked after audit entry `seq` (``RevokedSerials/through`` of an earlier
    /// read). A revocation's audit entry is appended under the audit log's head lock in the same
    /// transaction, so these sequence numbers commit in order: a revocation not yet visible to
    /// one read has a larger number than every one that was.
    ///
    /// Only revocation sets `revoked_audit_seq`, so it alone says revoked: with `status =
    /// 'revoked'` beside it, SQLite chose the status index and read every revoked row each time.
    public func revokedSerials(after seq: Int64) async throws -> RevokedSerials {
        try RevokedSerials(rows: await db.query(
            "SELECT serial, revoked_audit_seq FROM certificates WHERE revoked_audit_seq > ?", seq))
    }

    // MARK: CRLs and the revision

    public func storeCRL(_ crl: StoredCRL) async throws {
        try await db.execute("DELETE FROM ca_crls WHERE issuer_id = ?", crl.issuerID)
        try await db.execute(
            "INSERT INTO ca_crls (issuer_id, crl_number, this_update, next_update, crl_der) VALUES (?, ?, ?, ?, ?)",
            crl.issuerID, crl.number, crl.thisUpdate.unixMilliseconds, crl.nextUpdate.unixMilliseconds, crl.der)
    }

    public func crl(issuer id: String) async throws -> StoredCRL? {
        guard let row = try await db.first(
            "SELECT issuer_id, crl_number, this_update, next_update, crl_der FROM ca_crls WHERE issuer_id = ?", id)
        else { return nil }
        return StoredCRL(
            issuerID: try row.text("issuer_id"), number: try row.integer("crl_number"),
            thisUpdate: try row.date("this_update"), nextUpdate: try row.date("next_update"), der: try row.blob("crl_der"))
    }

    /// Creates the PKI's state row once, at the hierarchy's creation.
    public func insertState(publicURL: String) async throws {
        try await db.execute("INSERT INTO pki_state (singleton, revision, public_url) VALUES (1, 0, ?)", publicURL)
    }

    public func publicURL() async throws -> String? {
        try await db.first("SELECT public_url FROM pki_state WHERE singleton = 1")?.text("public_url")
    }

    /// The revocation revision: every process polls it, and reloads revocations when it moves.
    public func revision() async throws -> Int64 {
        try await db.first("SELECT revision FROM pki_state WHERE singleton = 1")?.integer("revision") ?? 0
    }

    /// `accessChange`: the change can take access away beyond the revoked certificates
    /// themselves (a CA revoked, a household's PKI ended), so every live session is re-checked;
    /// without it, processes reload the revocations and cut off only the sessions presenting a
    /// revoked certificate — a renewal's superseded one is not worth re-checking ten thousand
    /// sessions against the database.
    @discardableResult
    public func bumpRevision(accessChange: Bool = true) async throws -> Int64 {
        guard let row = try await db.first(
            "UPDATE pki_state SET revision = revision + 1 WHERE singleton = 1 RETURNING revision")
        else { throw HearthError(.notInitialized, "the PKI has not been created; start the hub once") }
        let changes = AccessChangeRecords(db: db)
        if accessChange { try await changes.bump() } else { try await changes.notifyOtherProcesses() }
        return try row.integer("revision")
    }
}

/// Revoked serials (lowercase hex) and the newest revocation's audit sequence number among them.
public struct RevokedSerials: Sendable, Hashable {
    public var serials: Set<String>
    public var through: Int64

    public init(serials: Set<String> = [], through: Int64 = 0) {
        self.serials = serials
        self.through = through
    }

    init(rows: [SQLRow]) throws {
        self.init()
        for row in rows {
            serials.insert(try row.text("serial"))
            through = max(through, try row.optionalInteger("revoked_audit_seq") ?? 0)
        }
    }

    /// These and `newer`'s serials, through the newer's number.
    public func adding(_ newer: RevokedSerials) -> RevokedSerials {
        // Unchanged when nothing is new: the set is shared with the snapshot in use, and a union
        // would copy all of it.
        guard !newer.serials.isEmpty else { return self }
        return RevokedSerials(serials: serials.union(newer.serials), through: max(through, newer.through))
    }
}

/// A CA certificate and its key, sealed under the KEK.
public struct AuthorityRecord: Sendable, Hashable {
    public enum Role: String, Sendable { case root, intermediate }
    public enum State: String, Sendable { case active, retired, revoked }

    /// The hex of the CA's subject key identifier; it names the CA in URLs (`/v1/pki/crl/<id>.crl`).
    public let id: String
    public let role: Role
    public let householdID: String?
    public let zone: String?
    public var state: State
    public let certificateDER: [UInt8]
    public var sealedKey: [UInt8]
    public let keyFingerprint: String
    public let notBefore: Date
    public let notAfter: Date
    public let createdAt: Date
    public var retiredAt: Date?
    public let crlNumber: Int64
    public let auditSeq: Int64

    public init(
        id: String, role: Role, householdID: String?, zone: String?, state: State, certificateDER: [UInt8],
        sealedKey: [UInt8], keyFingerprint: String, notBefore: Date, notAfter: Date, createdAt: Date,
        retiredAt: Date? = nil, crlNumber: Int64 = 0, auditSeq: Int64
    ) {
        self.id = id
        self.role = role
        self.householdID = householdID
        self.zone = zone
        self.state = state
        self.certificateDER = certificateDER
        self.sealedKey = sealedKey
        self.keyFingerprint = keyFingerprint
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        self.crlNumber = crlNumber
        self.auditSeq = auditSeq
    }

    static let columns =
        "id, role, household_id, zone, state, certificate_der, sealed_key, key_fingerprint, not_before, not_after, created_at, retired_at, crl_number, audit_seq"

    init(_ row: SQLRow) throws {
        guard let role = Role(rawValue: try row.text("role")), let state = State(rawValue: try row.text("state")) else {
            throw HearthError(.storageUnavailable, "a stored certificate authority is malformed")
        }
        self.init(
            id: try row.text("id"), role: role, householdID: try row.optionalText("household_id"),
            zone: try row.optionalText("zone"), state: state, certificateDER: try row.blob("certificate_der"),
            sealedKey: try row.blob("sealed_key"), keyFingerprint: try row.text("key_fingerprint"),
            notBefore: try row.date("not_before"), notAfter: try row.date("not_after"),
            createdAt: try row.date("created_at"), retiredAt: try row.optionalDate("retired_at"),
            crlNumber: try row.integer("crl_number"), auditSeq: try row.integer("audit_seq"))
    }

    var sqlValues: [SQLValue] {
        [
            .text(id), .text(role.rawValue), householdID.sqlValue, zone.sqlValue, .text(state.rawValue),
            .blob(certificateDER), .blob(sealedKey), .text(keyFingerprint), .integer(notBefore.unixMilliseconds),
            .integer(notAfter.unixMilliseconds), .integer(createdAt.unixMilliseconds),
            retiredAt.map { .integer($0.unixMilliseconds) } ?? .null, .integer(crlNumber), .integer(auditSeq),
        ]
    }
}

/// One issued certificate in the inventory.
public struct CertificateRecord: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable { case valid, revoked }

    /// How the certificate came to be.
    public enum Origin: String, Sendable, CaseIterable {
        /// Issued by an admin (`hearth ca issue`, the API) for a gateway, server or test.
        case admin
        /// The hub's own TLS certificate.
        case hub
        /// The first certificate of a device, from pairing: it must be replaced at once.
        case pairing
        /// A renewal over mutual TLS.
        case renewal
    }

    /// Lowercase hex of the serial number's bytes.
    public let serial: String
    public let issuerID: String
    public let keyFingerprint: String
    public let householdID: String?
    public let deviceID: String?
    public let zone: String
    public let profile: String
    /// The identity URI the certificate names (its SAN).
    public let uri: String
    public let notBefore: Date
    public let notAfter: Date
    public var status: Status
    public var revokedAt: Date?
    /// RFC 5280 reason code.
    public var revocationReason: Int?
    public var issuedAuditSeq: Int64
    public var revokedAuditSeq: Int64?
    /// The serial this certificate renewed, if any.
    public let renewedFrom: String?
    public let origin: Origin
    public let certificateDER: [UInt8]

    public init(
        serial: String, issuerID: String, keyFingerprint: String, householdID: String?, deviceID: String?, zone: String,
        profile: String, uri: String, notBefore: Date, notAfter: Date, status: Status = .valid, revokedAt: Date? = nil,
        revocationReason: Int? = nil, issuedAuditSeq: Int64, revokedAuditSeq: Int64? = nil, renewedFrom: String? = nil,
        origin: Origin, certificateDER: [UInt8]
    ) {
        self.serial = serial
        self.issuerID = issuerID
        self.keyFingerprint = keyFingerprint
        self.householdID = householdID
        self.deviceID = deviceID
        self.zone = zone
        self.profile = profile
        self.uri = uri
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.status = status
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
        self.issuedAuditSeq = issuedAuditSeq
        self.revokedAuditSeq = revokedAuditSeq
        self.renewedFrom = renewedFrom
        self.origin = origin
        self.certificateDER = certificateDER
    }

    static let columns =
        "serial, issuer_id, key_fingerprint, household_id, device_id, zone, profile, uri, not_before, not_after, status, revoked_at, revocation_reason, issued_audit_seq, revoked_audit_seq, renewed_from, origin, certificate_der"

    init(_ row: SQLRow) throws {
        guard let status = Status(rawValue: try row.text("status")), let origin = Origin(rawValue: try row.text("origin"))
        else {
            throw HearthError(.storageUnavailable, "a stored certificate record is malformed")
        }
        self.init(
            serial: try row.text("serial"), issuerID: try row.text("issuer_id"),
            keyFingerprint: try row.text("key_fingerprint"), householdID: try row.optionalText("household_id"),
            deviceID: try row.optionalText("device_id"), zone: try row.text("zone"), profile: try row.text("profile"),
            uri: try row.text("uri"), notBefore: try row.date("not_before"), notAfter: try row.date("not_after"),
            status: status, revokedAt: try row.optionalDate("revoked_at"),
            revocationReason: try row.optionalInteger("revocation_reason").map(Int.init),
            issuedAuditSeq: try row.integer("issued_audit_seq"),
            revokedAuditSeq: try row.optionalInteger("revoked_audit_seq"),
            renewedFrom: try row.optionalText("renewed_from"), origin: origin, certificateDER: try row.blob("certificate_der"))
    }

    var sqlValues: [SQLValue] {
        [
            .text(serial), .text(issuerID), .text(keyFingerprint), householdID.sqlValue, deviceID.sqlValue,
            .text(zone), .text(profile), .text(uri), .integer(notBefore.unixMilliseconds),
            .integer(notAfter.unixMilliseconds), .text(status.rawValue),
            revokedAt.map { .integer($0.unixMilliseconds) } ?? .null, revocationReason.map { .integer(Int64($0)) } ?? .null,
            .integer(issuedAuditSeq), revokedAuditSeq.sqlValue, renewedFrom.sqlValue, .text(origin.rawValue),
            .blob(certificateDER),
        ]
    }
}

/// A search of the inventory; filters combine with AND, results come soonest-expiring first.
public struct CertificateQuery: Sendable, Hashable {
    public var householdID: String?
    public var issuerID: String?
    public var deviceID: String?
    public var status: CertificateRecord.Status?
    /// Only certificates whose notAfter is before this time ("expiring within N").
    public var expiringBefore: Date?
    /// Only certificates still unexpired at this time.
    public var unexpiredAt: Date?
    /// Only certificates after this one in the listing's order (soonest expiry first): a page's cursor.
    public var after: CertificatePosition?
    public var limit: Int

    public init(
        householdID: String? = nil, issuerID: String? = nil, deviceID: String? = nil,
        status: CertificateRecord.Status? = nil, expiringBefore: Date? = nil, unexpiredAt: Date? = nil,
        limit: Int = 1000
    ) {
        self.householdID = householdID
        self.issuerID = issuerID
        self.deviceID = deviceID
        self.status = status
        self.expiringBefore = expiringBefore
        self.unexpiredAt = unexpiredAt
        self.limit = limit
    }

    /// The longest "expiring within" window: a hundred years, longer than any certificate the hub
    /// issues, and far from the dates the database's milliseconds can hold.
    public static let longestExpiryWindow: TimeInterval = 100 * 365.25 * 86_400

    /// Only unexpired certificates that expire within `window` of `now`.
    public mutating func expiring(within window: TimeInterval, at now: Date) throws {
        guard window >= 0, window <= Self.longestExpiryWindow else {
            throw HearthError(.invalidInput, "an expiry window is 0 to \(Int64(Self.longestExpiryWindow)) seconds (100 years)")
        }
        expiringBefore = now.addingTimeInterval(window)
        unexpiredAt = now
    }
}

/// A place in the certificate listing (ordered by expiry, then serial), as an opaque cursor
/// `<notAfter in ms>.<serial>`: stable while certificates are added or revoked.
public struct CertificatePosition: Sendable, Hashable {
    public let notAfter: Date
    public let serial: String

    public init(after record: CertificateRecord) {
        notAfter = record.notAfter
        serial = record.serial
    }

    public init?(cursor: String) {
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = Int64(parts[0]), !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        notAfter = Date(unixMilliseconds: milliseconds)
        serial = String(parts[1])
    }

    public var cursor: String { "\(notAfter.unixMilliseconds).\(serial)" }
}

/// The newest CRL of one issuer, as served.
public struct StoredCRL: Sendable, Hashable {
    public let issuerID: String
    public let number: Int64
    public let thisUpdate: Date
    public let nextUpdate: Date
    public let der: [UInt8]

    public init(issuerID: String, number: Int64, thisUpdate: Date, nextUpdate: Date, der: [UInt8]) {
        self.issuerID = issuerID
        self.number = number
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.der = der
    }
}
