import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthFirmware
import HearthStore

/// Firmware posture (docs/firmware.md, "Posture"): what each device reports it runs, the
/// household's rules, and the verdict the policy engine restricts devices by. Every change that
/// can move a device's verdict moves the access-change revision in its transaction, so every
/// hub process re-checks its live MQTT sessions within its watch interval (250 ms).
public struct FirmwarePosture: Sendable {
    package let store: Store
    /// Detection's inbox: a downgrade is a signal. Nil with detection off.
    let signals: SignalInbox?
    /// Called after a change this service committed: the hub re-checks its live sessions at once.
    let changed: @Sendable () async -> Void

    package init(store: Store, signals: SignalInbox? = nil, changed: @escaping @Sendable () async -> Void = {}) {
        self.store = store
        self.signals = signals
        self.changed = changed
    }

    /// The verdict for `device` in `db`: on its stored report, or on `report` (the firmware a
    /// renewal request says the device now runs).
    package static func verdict(_ device: Device, report: FirmwareReport? = nil, in db: StoreSession) async throws -> PostureVerdict {
        let rules = try await db.posture.rules(household: device.householdID).compactMap(Self.rule)
        let stored = try await db.posture.report(device.id)
        let current = report ?? stored.flatMap(Self.report)
        var withdrawn: [WithdrawnRelease] = []
        if let current {
            withdrawn = try await db.firmware.releases(model: current.model).filter { $0.withdrawnAt != nil }.map {
                WithdrawnRelease(model: $0.model, version: $0.version, sha256: $0.sha256, reason: $0.withdrawnReason ?? "withdrawn")
            }
        }
        return PostureVerdict.evaluate(report: current, zone: device.zone.name, rules: rules, withdrawn: withdrawn)
    }

    /// The device as the policy sees it, posture included.
    package static func facts(_ device: Device, report: FirmwareReport? = nil, in db: StoreSession) async throws -> DeviceFacts {
        let verdict = try await verdict(device, report: report, in: db)
        return DeviceFacts(device, posture: verdict.posture, postureReason: verdict.reason)
    }

    // MARK: reports

    /// Records what a device runs, in the caller's transaction (`source`: pairing, renewal,
    /// report). A lower security version than its last report, or a published release's version with
    /// another image, is audited and signalled.
    package func record(_ report: FirmwareReport, of device: Device, source: String, in db: StoreSession) async throws {
        let now = db.clock.now
        let previous = try await db.posture.report(device.id)
        if let previous, previous.model == report.model, previous.version == report.version,
           previous.securityVersion == report.securityVersion, previous.sha256 == report.sha256
        {
            return
        }
        let before = try await Self.verdict(device, in: db)
        try await db.posture.putReport(.init(
            device: device.id, model: report.model, version: report.version, securityVersion: report.securityVersion,
            sha256: report.sha256, source: source, reportedAt: now))
        let after = try await Self.verdict(device, in: db)
        var details = [
            "model": report.model, "version": report.version, "security_version": "\(report.securityVersion)", "source": source,
            "posture": after.posture.rawValue,
        ]
        if let sha256 = report.sha256 { details["sha256"] = sha256 }
        // The version of a release the hub published, with another image: not what its maker signed.
        var mismatch: FirmwareImageMismatch?
        if let sha256 = report.sha256, let release = try await db.firmware.release(model: report.model, version: report.version),
           release.sha256 != sha256
        {
            details["release_sha256"] = release.sha256
            mismatch = FirmwareImageMismatch(
                device: device.id, household: device.householdID, model: report.model, version: report.version, reported: sha256,
                released: release.sha256, source: source, at: now)
        }
        let downgraded = previous.map { $0.model == report.model && report.securityVersion < $0.securityVersion } ?? false
        if let previous, downgraded {
            details["previous_version"] = previous.version
            details["previous_security_version"] = "\(previous.securityVersion)"
        }
        try await db.audit.append(AuditEvent(
            downgraded ? .firmwareDowngraded : .firmwareReported, actor: .device(device.id), subject: "device:\(device.id)",
            household: device.householdID,
            reason: downgraded ? "the device reports an older security version than before" : "the device reports what it runs",
            details: details))
        if before != after { try await db.accessChanges.bump() }
        if let mismatch { signals?.post(.firmwareImageMismatch(mismatch)) }
        if let previous, downgraded {
            signals?.post(.firmwareDowngraded(FirmwareChange(
                device: device.id, household: device.householdID, model: report.model,
                from: (previous.version, previous.securityVersion), to: (report.version, report.securityVersion), source: source,
                at: now)))
        }
    }

    /// A device's report over mutual TLS (`PUT /v1/device/firmware`); its verdict now.
    package func report(_ report: FirmwareReport, from device: Device) async throws -> PostureVerdict {
        try await self.report(report, device: device.id, source: "report")
    }

    /// A device's report from `source` (`report`, `pairing`); its verdict now.
    @discardableResult
    package func report(_ report: FirmwareReport, device id: DeviceID, source: String) async throws -> PostureVerdict {
        let verdict = try await store.write { db in
            guard let device = try await db.devices.find(id) else { throw HearthError(.notFound, "no device \(id)") }
            try await record(report, of: device, source: source, in: db)
            return try await Self.verdict(device, in: db)
        }
        await changed()
        return verdict
    }

    /// Per zone, over every household: the devices (not decommissioned) and how many are in
    /// posture (compliant, or unreported where no rule applies), for `/metrics`. Read in a few
    /// queries, not one per device.
    public func zoneShares() async throws -> [String: (devices: Int, inPosture: Int)] {
        try await store.read { db in
            let withdrawn = try await Self.withdrawn(in: db)
            var shares: [String: (devices: Int, inPosture: Int)] = [:]
            for household in try await db.households.all() {
                for (device, verdict, _) in try await Self.verdicts(household: household.id, withdrawn: withdrawn, in: db) {
                    var share = shares[device.zone.name] ?? (0, 0)
                    share.devices += 1
                    if !verdict.posture.isRestricted { share.inPosture += 1 }
                    shares[device.zone.name] = share
                }
            }
            return shares
        }
    }

    /// Every withdrawn release, for evaluating many devices at once.
    static func withdrawn(in db: StoreSession) async throws -> [WithdrawnRelease] {
        try await db.firmware.releases().filter { $0.withdrawnAt != nil }.map {
            WithdrawnRelease(model: $0.model, version: $0.version, sha256: $0.sha256, reason: $0.withdrawnReason ?? "withdrawn")
        }
    }

    /// The verdict of every device of the household (decommissioned ones left out), with its
    /// report: a few queries for the whole household, not a few per device.
    static func verdicts(
        household: HouseholdID, withdrawn: [WithdrawnRelease], in db: StoreSession
    ) async throws -> [(Device, PostureVerdict, PostureRecords.ReportRow?)] {
        let rules = try await db.posture.rules(household: household).compactMap(Self.rule)
        let reports = try await db.posture.reports(household: household)
        return try await db.devices.all(in: household).filter { $0.state != .decommissioned }.map { device in
            let report = reports[device.id]
            let verdict = PostureVerdict.evaluate(
                report: report.flatMap(Self.report), zone: device.zone.name, rules: rules, withdrawn: withdrawn)
            return (device, verdict, report)
        }
    }

    // MARK: rules

    public struct RuleView: Sendable, Hashable, Encodable {
        public let scope: String
        public let value: String?
        public let minimumSecurityVersion: Int64
        public let restriction: String
        public let createdAt: String
        public let createdBy: String

        enum CodingKeys: String, CodingKey {
            case scope, value, minimumSecurityVersion = "minimum_security_version", restriction, createdAt = "created_at"
            case createdBy = "created_by"
        }
    }

    public struct DeviceView: Sendable, Hashable, Encodable {
        public let device: String
        public let name: String
        public let zone: String
        public let posture: String
        public let reason: String?
        public let firmware: Firmware?

        public struct Firmware: Sendable, Hashable, Encodable {
            public let model: String
            public let version: String
            public let securityVersion: Int64
            public let sha256: String?
            public let source: String
            public let reportedAt: String

            enum CodingKeys: String, CodingKey {
                case model, version, securityVersion = "security_version", sha256, source, reportedAt = "reported_at"
            }
        }
    }

    public struct Overview: Sendable, Hashable, Encodable {
        public let rules: [RuleView]
        public let devices: [DeviceView]
    }

    /// The household's rules and every device's verdict (decommissioned devices left out).
    public func overview(household: HouseholdID) async throws -> Overview {
        try await store.read { db in
            let devices = try await Self.verdicts(household: household, withdrawn: try await Self.withdrawn(in: db), in: db).map {
                device, verdict, report in
                DeviceView(
                    device: device.id.rawValue, name: device.name, zone: device.zone.name, posture: verdict.posture.rawValue,
                    reason: verdict.reason,
                    firmware: report.map {
                        .init(
                            model: $0.model, version: $0.version, securityVersion: $0.securityVersion, sha256: $0.sha256,
                            source: $0.source, reportedAt: RFC3339.format($0.reportedAt))
                    })
            }
            return Overview(rules: try await db.posture.rules(household: household).map(Self.view), devices: devices)
        }
    }

    /// Sets the household's rule for a scope (replacing the one there), audited; devices it puts
    /// out of posture are restricted at once, on every node.
    public func setRule(_ rule: PostureRule, household: HouseholdID, actor: AuditActor) async throws -> Overview {
        guard rule.minimumSecurityVersion >= 0 else { throw HearthError(.invalidInput, "a minimum security version is 0 or more") }
        switch rule.scope {
        case .zone(let zone): _ = try Zone(zone)
        case .model(let model) where !FirmwareRelease.isName(model[...], maximum: 64):
            throw HearthError(.invalidInput, "a model name is letters, digits, . _ - (at most 64)")
        default: break
        }
        try await store.write { db in
            if case .zone(let zone) = rule.scope, try await !db.households.zones(of: household).map(\.name).contains(zone) {
                throw HearthError(.notFound, "the household has no zone \(zone)")
            }
            try await db.posture.putRule(.init(
                household: household, scopeKind: rule.scope.kind, scopeValue: rule.scope.value,
                minimumSecurityVersion: rule.minimumSecurityVersion, restriction: rule.restriction.rawValue,
                createdAt: db.clock.now, createdBy: actor.description))
            try await db.audit.append(AuditEvent(
                .postureRuleSet, actor: actor, subject: "posture:\(rule.scope.kind):\(rule.scope.value)", household: household,
                reason: "devices of \(rule.scope.description) must run security version \(rule.minimumSecurityVersion) or more",
                details: [
                    "scope": rule.scope.kind, "value": rule.scope.value, "minimum_security_version": "\(rule.minimumSecurityVersion)",
                    "restriction": rule.restriction.rawValue,
                ]))
            try await db.accessChanges.bump()
        }
        await changed()
        return try await overview(household: household)
    }

    public func removeRule(_ scope: PostureRule.Scope, household: HouseholdID, actor: AuditActor) async throws -> Overview {
        try await store.write { db in
            guard try await db.posture.removeRule(household: household, scopeKind: scope.kind, scopeValue: scope.value) else {
                throw HearthError(.notFound, "there is no posture rule for \(scope.description)")
            }
            try await db.audit.append(AuditEvent(
                .postureRuleRemoved, actor: actor, subject: "posture:\(scope.kind):\(scope.value)", household: household,
                reason: "the firmware requirement for \(scope.description) was removed", details: ["scope": scope.kind, "value": scope.value]))
            try await db.accessChanges.bump()
        }
        await changed()
        return try await overview(household: household)
    }

    static func rule(_ row: PostureRecords.RuleRow) -> PostureRule? {
        guard let scope = PostureRule.Scope(kind: row.scopeKind, value: row.scopeValue),
              let restriction = PostureRule.Restriction(rawValue: row.restriction)
        else { return nil }
        return PostureRule(scope: scope, minimumSecurityVersion: row.minimumSecurityVersion, restriction: restriction)
    }

    static func view(_ row: PostureRecords.RuleRow) -> RuleView {
        RuleView(
            scope: row.scopeKind, value: row.scopeKind == "household" ? nil : row.scopeValue,
            minimumSecurityVersion: row.minimumSecurityVersion, restriction: row.restriction,
            createdAt: RFC3339.format(row.createdAt), createdBy: row.createdBy)
    }

    static func report(_ row: PostureRecords.ReportRow) -> FirmwareReport? {
        try? FirmwareReport(model: row.model, version: row.version, securityVersion: row.securityVersion, sha256: row.sha256)
    }
}
