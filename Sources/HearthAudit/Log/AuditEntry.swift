import Crypto
import struct Foundation.Date
import HearthCore

/// One leaf of the log, as stored. Fields are kept as the text that was hashed, so that a row
/// someone tampered with can still be read, re-hashed and reported.
public struct AuditEntry: Sendable, Hashable {
    public let index: Int64
    public let time: Date
    public let householdID: String?
    public let actor: String
    public let action: String
    public let subject: String
    public let reason: String
    /// The details as a JSON object text; `nil` once redacted.
    public let details: String?
    /// The random salt of the details commitment; dropped together with the details.
    public let detailsSalt: [UInt8]?
    /// SHA-256(salt ‖ details): what the leaf commits to, so details can be dropped later
    /// without changing the leaf hash, and guessed details cannot be confirmed once the salt is gone.
    public let detailsCommitment: [UInt8]
    public let redactedAt: Date?

    public init(
        index: Int64, time: Date, householdID: String?, actor: String, action: String, subject: String,
        reason: String, details: String?, detailsSalt: [UInt8]?, detailsCommitment: [UInt8], redactedAt: Date?
    ) {
        self.index = index
        self.time = time
        self.householdID = householdID
        self.actor = actor
        self.action = action
        self.subject = subject
        self.reason = reason
        self.details = details
        self.detailsSalt = detailsSalt
        self.detailsCommitment = detailsCommitment
        self.redactedAt = redactedAt
    }

    /// A new entry for `event`, at `index` and `time`, with a fresh details salt.
    public init(_ event: AuditEvent, index: Int64, time: Date) {
        let details = AuditEntry.encodeDetails(event.details)
        let salt = SecureRandom.bytes(16)
        self.init(
            index: index, time: time, householdID: event.householdID?.rawValue, actor: event.actor.description,
            action: event.action.name, subject: event.subject, reason: event.reason, details: details,
            detailsSalt: salt, detailsCommitment: AuditEntry.commitment(details: details, salt: salt), redactedAt: nil)
    }

    public var isRedacted: Bool { details == nil }

    /// Detail keys whose values are personal data (a person's or device's network address):
    /// such entries are redacted after the shorter personal-data retention (docs/privacy.md).
    public static let personalDetailKeys = ["source"]

    /// Whether the details hold personal data.
    public var holdsPersonalData: Bool {
        guard let details else { return false }
        return Self.personalDetailKeys.contains { details.contains("\"\($0)\":") }
    }

    /// The bytes the leaf hash covers (see docs/audit.md, "Leaf encoding"): a version byte, the
    /// index and time as 64-bit big-endian integers, then each text field and the commitment as
    /// a 32-bit big-endian length followed by the bytes.
    public var leafInput: [UInt8] {
        var bytes: [UInt8] = [1]
        bytes.appendBigEndian(UInt64(bitPattern: index))
        bytes.appendBigEndian(UInt64(bitPattern: time.unixMilliseconds))
        for field in [householdID ?? "", actor, action, subject, reason] { bytes.appendField(Array(field.utf8)) }
        bytes.appendField(detailsCommitment)
        return bytes
    }

    public var leafHash: [UInt8] { MerkleHash.leaf(leafInput) }

    /// Whether the stored details (if not redacted) are the ones the leaf committed to.
    public var detailsMatchCommitment: Bool {
        guard let details else { return detailsSalt == nil }
        guard let detailsSalt else { return false }
        return AuditEntry.commitment(details: details, salt: detailsSalt) == detailsCommitment
    }

    /// This entry with its details and salt dropped; the leaf hash is unchanged.
    public func redacted(at time: Date) -> AuditEntry {
        AuditEntry(
            index: index, time: self.time, householdID: householdID, actor: actor, action: action, subject: subject,
            reason: reason, details: nil, detailsSalt: nil, detailsCommitment: detailsCommitment, redactedAt: time)
    }

    public static func commitment(details: String, salt: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: salt + Array(details.utf8)))
    }

    /// Sorted keys and JSON string escaping, so the same details always give the same text.
    static func encodeDetails(_ details: [String: String]) -> String {
        "{" + details.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            .joined(separator: ",") + "}"
    }

    private static func jsonString(_ text: String) -> String {
        // Most values are plain ASCII with nothing to escape: skip the per-scalar loop.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func appendField(_ field: [UInt8]) {
        let count = UInt32(field.count)
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        append(contentsOf: field)
    }
}
