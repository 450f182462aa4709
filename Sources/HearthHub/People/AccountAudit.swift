import HearthAudit
import HearthCore
import HearthStore

/// An account's own events (failed sign-ins, password and second-factor changes, recovery) are
/// about a person, not a household; each household the person belongs to gets its copy, so its
/// owners see who is guessing at their people's passwords — and a household sees nothing of
/// another's. An account in no household records one hub-level entry.
package enum AccountAudit {
    package static func append(
        _ action: AuditAction, person: PersonID, actor: AuditActor, reason: String, details: [String: String] = [:],
        in db: StoreSession
    ) async throws {
        let households = try await db.memberships.memberships(of: person).map { Optional($0.householdID) }
        try await db.audit.append((households.isEmpty ? [nil] : households).map { household in
            AuditEvent(action, actor: actor, subject: "person:\(person)", household: household, reason: reason, details: details)
        })
    }
}
