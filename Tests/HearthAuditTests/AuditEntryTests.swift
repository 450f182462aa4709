import Foundation
import HearthAudit
import HearthCore
import Testing

@Suite struct AuditEntryTests {
    let event = AuditEvent(
        .loginFailed, actor: .anonymous(address: "::1"), subject: "person:abc", household: HouseholdID(),
        reason: "wrong password", details: ["b": "2", "a": "quote \" and\nnewline"])

    @Test func theLeafEncodingIsLengthPrefixedAndCoversEveryField() {
        let entry = AuditEntry(event, index: 258, time: Date(unixMilliseconds: 1_000))
        let input = entry.leafInput
        #expect(input[0] == 1)
        #expect(Array(input[1..<9]) == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(Array(input[9..<17]) == [0, 0, 0, 0, 0, 0, 0x03, 0xE8])
        #expect(entry.details == #"{"a":"quote \" and\nnewline","b":"2"}"#)
        #expect(entry.detailsMatchCommitment)
        #expect(entry.leafHash == MerkleHash.leaf(input))

        let variants = [
            AuditEntry(index: 259, time: entry.time, householdID: entry.householdID, actor: entry.actor, action: entry.action,
                       subject: entry.subject, reason: entry.reason, details: entry.details, detailsSalt: entry.detailsSalt,
                       detailsCommitment: entry.detailsCommitment, redactedAt: nil),
            AuditEntry(index: 258, time: entry.time, householdID: entry.householdID, actor: entry.actor, action: entry.action,
                       subject: entry.subject + "x", reason: entry.reason, details: entry.details, detailsSalt: entry.detailsSalt,
                       detailsCommitment: entry.detailsCommitment, redactedAt: nil),
            // Moving a byte between adjacent fields changes the hash: the lengths frame them.
            AuditEntry(index: 258, time: entry.time, householdID: entry.householdID, actor: entry.actor, action: entry.action + "p",
                       subject: String(entry.subject.dropFirst()), reason: entry.reason, details: entry.details,
                       detailsSalt: entry.detailsSalt, detailsCommitment: entry.detailsCommitment, redactedAt: nil),
        ]
        for variant in variants { #expect(variant.leafHash != entry.leafHash) }
    }

    @Test func redactionDropsTheDetailsAndKeepsTheLeafHash() {
        let entry = AuditEntry(event, index: 7, time: Date(unixMilliseconds: 5))
        let redacted = entry.redacted(at: Date(unixMilliseconds: 9))
        #expect(redacted.details == nil && redacted.detailsSalt == nil && redacted.isRedacted)
        #expect(redacted.leafHash == entry.leafHash)
        #expect(redacted.detailsMatchCommitment)
        let forged = AuditEntry(
            index: 7, time: entry.time, householdID: entry.householdID, actor: entry.actor, action: entry.action,
            subject: entry.subject, reason: entry.reason, details: #"{"a":"other"}"#, detailsSalt: entry.detailsSalt,
            detailsCommitment: entry.detailsCommitment, redactedAt: nil)
        #expect(!forged.detailsMatchCommitment)
    }

    @Test func actorsAndActionsAreValidated() {
        #expect(AuditActor("person:abc") == AuditActor(.person, "abc"))
        #expect(AuditActor("anonymous:::1")?.id == "::1")
        #expect(AuditActor("robot:abc") == nil)
        #expect(AuditActor("person:") == nil)
        #expect(AuditActor("person:a\nb") == nil)
        let valid = "session.login_failed"
        #expect(AuditAction(valid)?.name == valid)
        for bad in ["session", "Session.x", "session..x", "session.x-y", ".x", "x.", "session.1x"] {
            #expect(AuditAction(bad) == nil, "\(bad)")
        }
        #expect(AuditEvent(.loginFailed, actor: .system("cli"), subject: "a\u{1B}[2Jb", household: nil).subject == "a\u{FFFD}[2Jb")
    }
}
