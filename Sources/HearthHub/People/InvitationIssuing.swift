import HearthAudit
import HearthCore
import HearthStore

/// Records an invitation with its audit entry in the caller's transaction and returns the code
/// to hand over, which exists nowhere else: the store keeps its digest.
package enum InvitationIssuing {
    package static func record(_ invitation: Invitation, actor: AuditActor, in db: StoreSession) async throws -> String {
        let code = SecretToken(prefix: Invitation.codePrefix)
        try await db.invitations.insert(invitation, digest: code.digest)
        var details = ["role": invitation.role.rawValue, "expires_at": RFC3339.format(invitation.expiresAt)]
        if let email = invitation.email { details["email"] = email.rawValue }
        try await db.audit.append(AuditEvent(
            .invitationCreated, actor: actor, subject: "invitation:\(invitation.id)", household: invitation.householdID,
            reason: "invited as \(invitation.role.rawValue)", details: details))
        return code.value
    }
}
