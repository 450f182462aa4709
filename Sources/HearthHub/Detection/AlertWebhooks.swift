import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthPKI
import HearthStore

/// Posts a webhook delivery: the adapter that speaks HTTP (the server's, over AsyncHTTPClient).
/// Returns the answer's status; throws when there was none (no connection, a timeout).
public protocol WebhookPoster: Sendable {
    /// `trustRootsPEM`: the roots the receiver's certificate must chain to, in place of the system's.
    func post(_ url: URL, trustRootsPEM: String?, headers: [(String, String)], body: [UInt8]) async throws -> Int
}

/// Alert webhooks (docs/detection.md, "Webhook"): an owner (or, hub-wide, an operator) names a URL;
/// every alert raised or escalated in that scope is posted there as JSON, signed with HMAC-SHA256
/// (``WebhookSignature``) under a secret the hub makes and shows once, and retried with back-off
/// (``WebhookRetry``) until the receiver answers 2xx. Deliveries are written with the alert, so
/// none is lost to a crash; the running hub works through them (``deliverDue(with:)``).
public struct AlertWebhooks: Sendable {
    package let store: Store
    let sealer: KeySealer
    let retry: WebhookRetry

    package init(store: Store, sealer: KeySealer, retry: WebhookRetry = WebhookRetry()) {
        self.store = store
        self.sealer = sealer
        self.retry = retry
    }

    /// A scope's webhook as shown: never its secret.
    public struct Webhook: Sendable, Hashable, Encodable {
        public let url: String
        /// The roots its receiver's certificate must chain to; nil: the system's.
        public let trustRoots: [TrustRoots.Root]?
        public let createdAt: Date
        public let createdBy: String
        /// The latest deliveries, newest first.
        public let deliveries: [Delivery]

        init(_ row: WebhookRecords.WebhookRow, deliveries: [Delivery]) {
            url = row.url
            // Checked when set; a root that has expired since is still shown (its deliveries fail, and say why).
            trustRoots = row.trustRootsPEM.map { (try? TrustRoots(pem: $0, now: .distantPast))?.certificates ?? [] }
            createdAt = row.createdAt
            createdBy = row.createdBy
            self.deliveries = deliveries
        }

        enum CodingKeys: String, CodingKey {
            case url, trustRoots = "trust_roots", createdAt = "created_at", createdBy = "created_by", deliveries
        }

        enum RootKeys: String, CodingKey {
            case subject, sha256, notAfter = "not_after"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            if let trustRoots {
                var roots = c.nestedUnkeyedContainer(forKey: .trustRoots)
                for root in trustRoots {
                    var r = roots.nestedContainer(keyedBy: RootKeys.self)
                    try r.encode(root.subject, forKey: .subject)
                    try r.encode(root.sha256, forKey: .sha256)
                    try r.encode(RFC3339.format(root.notAfter), forKey: .notAfter)
                }
            } else {
                try c.encodeNil(forKey: .trustRoots)
            }
            try c.encode(RFC3339.format(createdAt), forKey: .createdAt)
            try c.encode(createdBy, forKey: .createdBy)
            try c.encode(deliveries, forKey: .deliveries)
        }
    }

    public struct Delivery: Sendable, Hashable, Encodable {
        public let id: String
        public let alertID: String
        public let event: String
        /// `pending` (to be tried at `next_at`), `delivered`, or `failed` (given up).
        public let state: String
        public let attempts: Int
        public let nextAt: Date?
        public let lastStatus: Int?
        public let lastError: String?

        init(_ row: WebhookRecords.DeliveryRow) {
            id = row.id
            alertID = row.alertID
            event = row.event
            state = row.state.rawValue
            attempts = row.attempts
            nextAt = row.state == .pending ? row.nextAt : nil
            lastStatus = row.lastStatus
            lastError = row.lastError
        }

        enum CodingKeys: String, CodingKey {
            case id, alertID = "alert_id", event, state, attempts, nextAt = "next_at", lastStatus = "last_status"
            case lastError = "last_error"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(alertID, forKey: .alertID)
            try c.encode(event, forKey: .event)
            try c.encode(state, forKey: .state)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(nextAt.map(RFC3339.format), forKey: .nextAt)
            try c.encode(lastStatus, forKey: .lastStatus)
            try c.encode(lastError, forKey: .lastError)
        }
    }

    /// What setting a webhook returns: the webhook and, this once, the secret its posts are signed with.
    public struct Configured: Sendable, Encodable {
        public let webhook: Webhook
        public let secret: String
    }

    /// The scope a household's (or, nil, the hub-wide) alerts are delivered in.
    static func scope(_ household: HouseholdID?) -> String { household?.rawValue ?? "hub" }

    /// Sets (or replaces, with a new secret) where the scope's alerts are posted, audited.
    /// `trustRootsPEM`: the private CA (1 to 16 PEM certificates) an `https://` receiver's
    /// certificate chains to, trusted for it in place of the system's roots.
    public func set(url text: String, trustRootsPEM: String? = nil, household: HouseholdID?, actor: AuditActor) async throws -> Configured {
        let address: WebhookAddress
        do { address = try WebhookAddress(text.trimmingCharacters(in: .whitespaces)) } catch {
            throw HearthError(.invalidInput, error.description)
        }
        let roots = try trustRootsPEM.map { try TrustRoots(pem: $0, now: store.clock.now) }
        if roots != nil, address.url.scheme?.lowercased() != "https" {
            throw HearthError(.invalidInput, "trust roots are for an https:// webhook; an http:// one has no certificate to check")
        }
        let secret = "whsec_" + Base64URL.encode(SecureRandom.bytes(32))
        let scope = Self.scope(household)
        let row = try await store.write { db in
            let row = WebhookRecords.WebhookRow(
                scope: scope, url: address.url.absoluteString,
                secretSealed: try sealer.seal(Array(secret.utf8), name: Self.secretName(scope)), trustRootsPEM: roots?.pem,
                createdAt: db.clock.now, createdBy: actor.description)
            try await db.webhooks.put(row)
            var details = ["url": row.url]
            if let roots { details["trust_roots"] = roots.certificates.map(\.sha256).joined(separator: ",") }
            try await db.audit.append(AuditEvent(
                .webhookSet, actor: actor, subject: "webhook:\(scope)", household: household,
                reason: "alerts are posted to this webhook", details: details))
            return row
        }
        return Configured(webhook: Webhook(row, deliveries: []), secret: secret)
    }

    /// The scope's webhook and its latest deliveries.
    public func show(household: HouseholdID?, deliveries limit: Int = 20) async throws -> Webhook {
        let scope = Self.scope(household)
        let (row, deliveries) = try await store.read { db in
            (try await db.webhooks.find(scope: scope), try await db.webhooks.deliveries(scope: scope, limit: max(1, min(limit, 200))))
        }
        guard let row else { throw HearthError(.notFound, "no webhook is set here; set one with PUT /v1/alerts/webhook or `hearth alerts webhook set`") }
        return Webhook(row, deliveries: deliveries.map(Delivery.init))
    }

    /// Stops posting the scope's alerts; the deliveries still waiting are dropped. Audited.
    public func remove(household: HouseholdID?, actor: AuditActor) async throws {
        let scope = Self.scope(household)
        try await store.write { db in
            guard try await db.webhooks.remove(scope: scope) else { throw HearthError(.notFound, "no webhook is set here") }
            try await db.audit.append(AuditEvent(
                .webhookRemoved, actor: actor, subject: "webhook:\(scope)", household: household, reason: "alerts are no longer posted"))
        }
    }

    /// Queues the alert's event for the scope's webhook, if there is one — in the caller's
    /// transaction, the one that records the event.
    static func enqueue(_ alert: Alert, event: String, in db: StoreSession) async throws {
        let scope = scope(alert.household)
        guard try await db.webhooks.find(scope: scope) != nil else { return }
        let id = "whd_" + Base64URL.encode(SecureRandom.bytes(12))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = String(decoding: try encoder.encode(Payload(id: id, event: event, alert: alert)), as: UTF8.self)
        let now = db.clock.now
        try await db.webhooks.enqueue(WebhookRecords.DeliveryRow(
            id: id, scope: scope, alertID: alert.id, event: event, body: body, nextAt: now, createdAt: now, updatedAt: now))
    }

    /// What a delivery carries: its id (the same on every retry, for the receiver to drop
    /// duplicates), the event and the alert as the API shows it.
    struct Payload: Encodable {
        let id: String
        let event: String
        let alert: Alert
    }

    /// How long one attempt holds its delivery against other nodes.
    static let attemptLease: TimeInterval = 60

    /// Posts the deliveries due now, at most `limit`, one after another; how many were tried.
    @discardableResult
    package func deliverDue(with poster: any WebhookPoster, limit: Int = 20) async throws -> Int {
        let now = store.clock.now
        let due = try await store.read { db in try await db.webhooks.due(at: now, limit: limit) }
        var tried = 0
        for delivery in due {
            let lease = now.addingTimeInterval(Self.attemptLease)
            let claimed = try await store.write { db -> WebhookRecords.WebhookRow?? in
                guard try await db.webhooks.claim(delivery, until: lease) else { return .none }
                return .some(try await db.webhooks.find(scope: delivery.scope))
            }
            guard case .some(let webhook) = claimed else { continue }
            tried += 1
            var outcome = delivery
            outcome.attempts += 1
            if let webhook {
                let (status, failure) = await attempt(delivery, to: webhook, with: poster)
                outcome.lastStatus = status
                outcome.lastError = failure
            } else {
                outcome.lastStatus = nil
                outcome.lastError = "the webhook was removed"
            }
            let at = store.clock.now
            outcome.updatedAt = at
            if let status = outcome.lastStatus, WebhookRetry.delivered(status: status) {
                outcome.state = .delivered
                outcome.lastError = nil
            } else if webhook != nil, let wait = retry.delay(afterFailure: outcome.attempts, jitter: Double.random(in: 0..<1)) {
                outcome.nextAt = at.addingTimeInterval(wait)
            } else {
                outcome.state = .failed
            }
            let finished = outcome
            try await store.write { db in try await db.webhooks.update(finished) }
        }
        return tried
    }

    private func attempt(
        _ delivery: WebhookRecords.DeliveryRow, to webhook: WebhookRecords.WebhookRow, with poster: any WebhookPoster
    ) async -> (status: Int?, failure: String?) {
        guard let url = URL(string: webhook.url) else { return (nil, "the stored URL does not parse") }
        let secret: [UInt8]
        do { secret = try sealer.open(webhook.secretSealed, name: Self.secretName(webhook.scope)) } catch {
            return (nil, "the webhook's secret could not be unsealed (was the key-encryption key changed?)")
        }
        let body = Array(delivery.body.utf8)
        let signature = WebhookSignature(secret: secret, timestamp: Int64(store.clock.now.timeIntervalSince1970), body: body)
        let headers = [
            ("Content-Type", "application/json"), ("User-Agent", "hearth"), ("Hearth-Delivery", delivery.id),
            ("Hearth-Event", delivery.event), (WebhookSignature.headerName, signature.headerValue),
        ]
        do {
            let status = try await poster.post(url, trustRootsPEM: webhook.trustRootsPEM, headers: headers, body: body)
            return (status, WebhookRetry.delivered(status: status) ? nil : "the receiver answered \(status)")
        } catch {
            return (nil, "no answer: \(error)")
        }
    }

    /// The name a scope's secret is sealed under (bound to it: a sealed secret moved to another
    /// scope does not open).
    static func secretName(_ scope: String) -> String { "alert-webhook:\(scope)" }
}
