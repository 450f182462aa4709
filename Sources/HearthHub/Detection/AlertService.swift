import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthStore

/// Detection's alerts for owners and operators: list, show, acknowledge, and the risk scores
/// they add up to. The detection service records them through ``record(_:)``.
///
/// Acknowledging an alert lifts what the hub can undo on its own — a source's block, a device's
/// rate limit — on the running hub within a second; a quarantine is undone by releasing the
/// device, and a revoked credential by pairing or authorizing again.
public struct AlertService: Sendable {
    package let store: Store
    /// After how long a finding's weight in a risk score halves.
    let riskHalfLife: TimeInterval

    package init(store: Store, riskHalfLife: TimeInterval = DetectionSettings().riskHalfLife) {
        self.store = store
        self.riskHalfLife = riskHalfLife
    }

    /// Newest first: the household's alerts, or (nil) the hub-wide ones (a stranger guessing at
    /// the hub, who is in no household), which are the hub operator's.
    public func list(household: HouseholdID?, openOnly: Bool = false, limit: Int = 100) async throws -> [Alert] {
        try await store.read { db in
            try await db.alerts.list(household: household, openOnly: openOnly, limit: max(1, min(limit, 1000)))
        }.map(Alert.init)
    }

    /// One alert of the household (or, nil, a hub-wide one).
    public func show(_ id: String, household: HouseholdID?) async throws -> Alert {
        guard let row = try await store.read({ db in try await db.alerts.find(id) }), row.household == household else {
            throw HearthError(.notFound, "no alert \(id) here")
        }
        return try Alert(row)
    }

    /// Marks the alert acknowledged, audited; acknowledging one already acknowledged changes nothing.
    public func acknowledge(_ id: String, household: HouseholdID?, actor: AuditActor) async throws -> Alert {
        let row = try await store.write { db -> AlertRecords.AlertRow in
            guard let row = try await db.alerts.find(id), row.household == household else {
                throw HearthError(.notFound, "no alert \(id) here")
            }
            guard row.acknowledgedAt == nil else { return row }
            guard let acknowledged = try await db.alerts.acknowledge(id, by: actor.description, at: db.clock.now) else {
                throw HearthError(.notFound, "no alert \(id)")
            }
            // Every node's listeners let the source in again at their next look (a quarter second).
            try await db.sourceBlocks.lift(alert: id)
            try await db.audit.append(AuditEvent(
                .alertAcknowledged, actor: actor, subject: "alert:\(id)", household: row.household,
                reason: "acknowledged: \(row.summary)", details: ["kind": row.kind, "suspect": row.suspect]))
            // Acknowledging without approving refuses the command the alert holds.
            if let held = try await db.commands.held(alert: id),
               try await db.commands.decide(held.id, .refused, by: actor.description, at: db.clock.now)
            {
                try await db.audit.append(AuditEvent(
                    .commandRefused, actor: actor, subject: "command:\(held.id)", household: held.household,
                    reason: "the alert was acknowledged without approving the command",
                    details: ["alert": id, "device": held.device.rawValue, "topic": held.topic]))
            }
            return acknowledged
        }
        return try Alert(row)
    }

    /// Risk per suspect of the household (or, nil, hub-wide: sources), highest first, from the alerts
    /// whose weight has not decayed away.
    public func risk(household: HouseholdID?) async throws -> [RiskScore] {
        try await risk(in: .some(household))
    }

    /// Every suspect's risk, in every household and hub-wide (what the broker weighs).
    package func riskEverywhere() async throws -> [RiskScore] {
        try await risk(in: nil)
    }

    /// `scope`: one household (or, `.some(nil)`, the hub-wide alerts); nil for all of them.
    private func risk(in scope: HouseholdID??) async throws -> [RiskScore] {
        let now = store.clock.now
        // A critical finding's weight (70) halves below 1 after about seven half-lives.
        let since = now.addingTimeInterval(-riskHalfLife * 7)
        let rows = try await store.read { db in
            if let household = scope { try await db.alerts.raised(since: since, household: household) } else {
                try await db.alerts.raised(since: since)
            }
        }
        let findings = try rows.compactMap { row -> (suspect: Suspect, cause: RiskScore.Cause)? in
            let alert = try Alert(row)
            guard let suspect = Suspect(alert.suspect) else { return nil }
            return (suspect, RiskScore.Cause(kind: alert.kind, severity: alert.severity, summary: alert.summary, at: alert.raisedAt))
        }
        return RiskScore.scores(findings, halfLife: riskHalfLife, now: now)
    }

    /// Forgets the alerts acknowledged more than `retention` ago (the audit log keeps their
    /// entries); how many went.
    @discardableResult
    package func sweep(retention: TimeInterval) async throws -> Int {
        try await store.write { db in try await db.alerts.deleteAcknowledged(before: db.clock.now.addingTimeInterval(-retention)) }
    }

    /// Alerts acknowledged at or after `time` (what the running hub lifts).
    package func acknowledged(since time: Date) async throws -> [Alert] {
        try await store.read { db in try await db.alerts.acknowledged(since: time) }.map(Alert.init)
    }

    /// Records a detection response: a new alert, or — for an escalation — the open alert of the
    /// same kind and suspect with the new step, audited with its evidence in the same transaction.
    @discardableResult
    package func record(_ response: Response, actions: [String]) async throws -> Alert {
        let finding = response.finding
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let evidence = String(decoding: try encoder.encode(finding.evidence), as: UTF8.self)
        let row = try await store.write { db -> AlertRecords.AlertRow in
            let now = db.clock.now
            if response.escalates, var open = try await db.alerts.open(kind: finding.kind.rawValue, suspect: finding.suspect.description) {
                let previous = try JSONDecoder().decode([String].self, from: Data(open.actions.utf8))
                open.actions = String(decoding: try encoder.encode(previous + actions), as: UTF8.self)
                open.severity = max(Severity(rawValue: open.severity) ?? .notice, finding.severity).rawValue
                open.summary = finding.summary
                open.updatedAt = now
                try await db.alerts.update(open)
                try await db.audit.append(AuditEvent(
                    .alertEscalated, actor: .system("detection"), subject: "alert:\(open.id)", household: open.household,
                    reason: finding.summary, details: Self.details(finding, actions: actions)))
                try await AlertWebhooks.enqueue(try Alert(open), event: "alert.escalated", in: db)
                try await Self.recordBlocks(response.actions, alert: open.id, in: db)
                return open
            }
            let row = AlertRecords.AlertRow(
                id: "alert_" + Base64URL.encode(SecureRandom.bytes(12)), household: finding.household, kind: finding.kind.rawValue,
                suspect: finding.suspect.description, severity: finding.severity.rawValue, summary: finding.summary,
                evidence: evidence, actions: String(decoding: try encoder.encode(actions), as: UTF8.self), raisedAt: now, updatedAt: now)
            try await db.alerts.insert(row)
            try await db.audit.append(AuditEvent(
                .alertRaised, actor: .system("detection"), subject: "alert:\(row.id)", household: finding.household,
                reason: finding.summary, details: Self.details(finding, actions: actions)))
            try await AlertWebhooks.enqueue(try Alert(row), event: "alert.raised", in: db)
            try await Self.recordBlocks(response.actions, alert: row.id, in: db)
            return row
        }
        return try Alert(row)
    }

    /// The sources the response blocks, with the alert: every node refuses them from its next look.
    private static func recordBlocks(_ actions: [ContainmentAction], alert: String, in db: StoreSession) async throws {
        let blocks = actions.compactMap { action -> (String, Date)? in
            if case .blockSource(let address, let until) = action { (address, until) } else { nil }
        }
        guard !blocks.isEmpty else { return }
        try await db.sourceBlocks.deleteEnded(before: db.clock.now)
        for (address, until) in blocks { try await db.sourceBlocks.block(address, until: until, alert: alert) }
    }

    private static func details(_ finding: Finding, actions: [String]) -> [String: String] {
        var details = ["kind": finding.kind.rawValue, "suspect": finding.suspect.description, "severity": finding.severity.rawValue]
        for item in finding.evidence {
            // Network addresses are personal data: under the key the shorter retention redacts.
            let personal = item.name == "source" || item.name == "addresses"
            details[personal ? "source" : "evidence.\(item.name)"] = item.value
        }
        if !actions.isEmpty { details["actions"] = actions.joined(separator: "; ") }
        return details
    }
}
