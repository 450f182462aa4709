import Foundation
import HearthCore

/// An owner's firmware requirement (docs/firmware.md, "Posture"): devices of the household, of
/// one zone, or of one model must run at least a security version; what happens to those that do
/// not.
public struct PostureRule: Sendable, Hashable {
    public enum Scope: Sendable, Hashable {
        case household
        case zone(String)
        case model(String)

        public var kind: String {
            switch self {
            case .household: "household"
            case .zone: "zone"
            case .model: "model"
            }
        }

        public var value: String {
            switch self {
            case .household: ""
            case .zone(let zone): zone
            case .model(let model): model
            }
        }

        public init?(kind: String, value: String) {
            switch kind {
            case "household": self = .household
            case "zone": self = .zone(value)
            case "model": self = .model(value)
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .household: "the household"
            case .zone(let zone): "zone \(zone)"
            case .model(let model): "model \(model)"
            }
        }
    }

    public enum Restriction: String, Sendable, Hashable, CaseIterable {
        /// Firmware and availability reports and the update command only.
        case updateOnly = "update-only"
        /// Not on the broker at all.
        case quarantine
    }

    public let scope: Scope
    public let minimumSecurityVersion: Int64
    public let restriction: Restriction

    public init(scope: Scope, minimumSecurityVersion: Int64, restriction: Restriction = .updateOnly) {
        self.scope = scope
        self.minimumSecurityVersion = minimumSecurityVersion
        self.restriction = restriction
    }

    func applies(zone: String, model: String?) -> Bool {
        switch scope {
        case .household: true
        case .zone(let z): z == zone
        case .model(let m): m == model
        }
    }
}

/// A release withdrawn as vulnerable: devices reporting it are out of posture.
public struct WithdrawnRelease: Sendable, Hashable {
    public let model: String
    public let version: String
    public let sha256: String
    public let reason: String

    public init(model: String, version: String, sha256: String, reason: String) {
        self.model = model
        self.version = version
        self.sha256 = sha256
        self.reason = reason
    }
}

/// Whether a device is in posture, and why not.
public struct PostureVerdict: Sendable, Hashable {
    public let posture: Posture
    public let reasons: [String]

    public var reason: String? { reasons.isEmpty ? nil : reasons.joined(separator: "; ") }

    /// The rules and withdrawals, applied to what the device last reported (or nothing: then
    /// model rules cannot apply, the others do).
    public static func evaluate(
        report: FirmwareReport?, zone: String, rules: [PostureRule], withdrawn: [WithdrawnRelease]
    ) -> PostureVerdict {
        let applying = rules.filter { $0.applies(zone: zone, model: report?.model) }
        var reasons: [String] = []
        var restriction: PostureRule.Restriction?
        func restrict(_ r: PostureRule.Restriction) { if restriction != .quarantine { restriction = r } }
        if let report {
            if let withdrawal = withdrawn.first(where: {
                $0.model == report.model && ($0.version == report.version || (report.sha256 != nil && $0.sha256 == report.sha256))
            }) {
                reasons.append("it runs \(report.model) \(withdrawal.version), withdrawn: \(withdrawal.reason)")
                restrict(.updateOnly)
            }
            for rule in applying where report.securityVersion < rule.minimumSecurityVersion {
                reasons.append(
                    "its security version \(report.securityVersion) (\(report.model) \(report.version)) is below \(rule.minimumSecurityVersion), the minimum for \(rule.scope.description)")
                restrict(rule.restriction)
            }
        } else if let strictest = applying.max(by: { $0.minimumSecurityVersion < $1.minimumSecurityVersion }) {
            reasons.append(
                "it has not reported its firmware, and \(strictest.scope.description) requires security version \(strictest.minimumSecurityVersion) or more")
            for rule in applying { restrict(rule.restriction) }
        }
        let posture: Posture = switch restriction {
        case nil: report == nil ? .unreported : .compliant
        case .updateOnly: .outOfPosture
        case .quarantine: .isolated
        }
        return PostureVerdict(posture: posture, reasons: reasons)
    }
}
