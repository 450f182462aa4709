import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// Limits on guessing user codes (RFC 8628 §5.1) that hold across addresses, built like the
/// pairing codes' (per household in the throttle, and a cap per pending request that cancels it).
///
/// A user code is checked only after the person at the page signed in, so only someone who can
/// sign in learns whether a code exists, and the households of that person are the ones charged.
/// A wrong code counts against the source address, the household and every request of the
/// household still waiting for a person (any of them could have been the target). The address
/// and the household back off as sign-ins do; a request against which ``maximumWrongUserCodes``
/// wrong codes were typed while it waited is cancelled (denied, without a person): even its right
/// code no longer approves it, and the device, told `access_denied`, starts again with a new code.
extension AuthorizationServer {
    /// Wrong codes a waiting request survives: enough for a person's typos, while a guess at one
    /// 34.5-bit code succeeds with a chance of about 2 × 10⁻¹⁰.
    package static let maximumWrongUserCodes = 5

    static func userCodeHouseholdKey(_ household: HouseholdID) -> String { "user-code-household:\(household)" }
    /// Keyed by the device code's digest, which is never shown or logged.
    static func userCodeRequestKey(_ deviceCodeDigest: String) -> String { "user-code-request:\(deviceCodeDigest)" }

    /// Refuses at once (429 with `Retry-After`) while any of `keys` is backed off.
    func enforceUserCodeThrottle(_ keys: [String]) async throws {
        let wait = try await throttle.retryAfter(keys)
        guard wait == 0 else {
            throw HearthError(.throttled, code: "throttled", "Too many wrong codes; try again in \(wait) s.", retryAfter: wait)
        }
    }

    /// Counts a wrong code, cancels the households' requests that reached the limit, and returns
    /// the refusal for the person.
    func wrongUserCode(households: [HouseholdID], sourceKey: String, _ call: CallContext) async throws -> HearthError {
        let pending = try await store.read { db in
            var pending: [(household: HouseholdID, request: (deviceCodeDigest: String, clientID: String))] = []
            for household in households {
                pending += try await db.oauthAuthorizations.pendingDeviceAuthorizations(household: household, at: db.clock.now)
                    .map { (household, $0) }
            }
            return pending
        }
        _ = try await refuse(
            OAuthError(.invalidGrant, "unknown or expired user code"),
            keys: [sourceKey] + households.map(Self.userCodeHouseholdKey)
                + pending.map { Self.userCodeRequestKey($0.request.deviceCodeDigest) },
            source: call.source, subject: "device-authorization:unknown", household: households.count == 1 ? households.first : nil)
        for (household, request) in pending
        where try await throttle.failures(Self.userCodeRequestKey(request.deviceCodeDigest)) >= Self.maximumWrongUserCodes {
            try await store.write { db in
                guard try await db.oauthAuthorizations.cancelDeviceAuthorization(deviceCodeDigest: request.deviceCodeDigest)
                else { return }
                try await db.audit.append(AuditEvent(
                    .oauthConsentDenied, actor: .system("oauth"), subject: "client:\(request.clientID)", household: household,
                    reason: "device authorization cancelled: \(Self.maximumWrongUserCodes) wrong user codes were typed while it waited"))
            }
        }
        return HearthError(
            .rejected, code: "unknown-user-code", "That code is unknown or has expired. Check the code on your device.")
    }
}
