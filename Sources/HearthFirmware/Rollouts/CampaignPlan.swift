import Crypto
import Foundation
import HearthCore

/// A staged rollout of one release to the devices of one model (docs/firmware.md, "Rollouts"):
/// cohorts that grow (5 % → 25 % → 100 %), each watched for a soak time, behind a health gate.
public struct CampaignPlan: Sendable, Hashable, Codable {
    /// The release offered, and the one a failed cohort goes back to.
    public struct Release: Sendable, Hashable, Codable {
        public let version: String
        public let securityVersion: Int64
        public let path: String
        public let sha256: String

        enum CodingKeys: String, CodingKey { case version, securityVersion = "security_version", path, sha256 }

        public init(version: String, securityVersion: Int64, path: String, sha256: String) {
            self.version = version
            self.securityVersion = securityVersion
            self.path = path
            self.sha256 = sha256
        }
    }

    public let model: String
    public let target: Release
    public let previous: Release?
    /// Cumulative shares of the devices, ascending, the last 100: `[5, 25, 100]`.
    public let cohorts: [Double]
    /// How long a cohort is watched after its last device updated before the next starts.
    public let soak: TimeInterval
    /// How long an offered device has to reconnect and report the new version.
    public let gate: TimeInterval
    /// Connections within the gate beyond which a device counts as crash-looping.
    public let maximumReconnects: Int
    /// The share of a cohort that may fail before the campaign halts (0.1: more than 10 % halts).
    public let failureThreshold: Double
    /// The owner's explicit, audited consent to roll back to a release with a lower security version.
    public let rollbackOverride: Bool

    enum CodingKeys: String, CodingKey {
        case model, target, previous, cohorts, soak, gate, maximumReconnects = "maximum_reconnects"
        case failureThreshold = "failure_threshold", rollbackOverride = "rollback_override"
    }

    public init(
        model: String, target: Release, previous: Release?, cohorts: [Double] = [5, 25, 100], soak: TimeInterval = 3600,
        gate: TimeInterval = 900, maximumReconnects: Int = 5, failureThreshold: Double = 0.1, rollbackOverride: Bool = false
    ) throws(TUFError) {
        guard !cohorts.isEmpty, cohorts.last == 100, zip(cohorts, cohorts.dropFirst()).allSatisfy({ $0 < $1 }),
              cohorts.allSatisfy({ $0 > 0 && $0 <= 100 })
        else { throw .release("cohorts are ascending shares of the devices, from above 0 to 100 (for example 5, 25, 100)") }
        guard soak >= 0, gate > 0, maximumReconnects >= 1, (0..<1).contains(failureThreshold) else {
            throw .release("a campaign needs a soak of 0 or more, a gate above 0, at least 1 reconnect and a threshold from 0 to below 1")
        }
        self.model = model
        self.target = target
        self.previous = previous
        self.cohorts = cohorts
        self.soak = soak
        self.gate = gate
        self.maximumReconnects = maximumReconnects
        self.failureThreshold = failureThreshold
        self.rollbackOverride = rollbackOverride
    }

    /// Whether a failed cohort may go back to ``previous``: never to a lower security version
    /// without the override.
    public var mayRollBack: Bool {
        guard let previous else { return false }
        return previous.securityVersion >= target.securityVersion || rollbackOverride
    }

    /// Each device's cohort (0-based): devices ordered by a digest of the campaign and their id,
    /// so the order is stable, spread over the fleet, and not the same from one campaign to the
    /// next; cohort `i` takes devices up to `cohorts[i]` % of them (at least one).
    public func assign(_ devices: [String], campaign: String) -> [String: Int] {
        let ordered = devices.sorted {
            SHA256.hash(data: Array("\(campaign)/\($0)".utf8)).hexString < SHA256.hash(data: Array("\(campaign)/\($1)".utf8)).hexString
        }
        var assigned: [String: Int] = [:]
        var start = 0
        for (index, share) in cohorts.enumerated() {
            let end = index == cohorts.count - 1 ? ordered.count : max(start + 1, Int((Double(ordered.count) * share / 100).rounded()))
            for device in ordered[min(start, ordered.count)..<min(end, ordered.count)] { assigned[device] = index }
            start = min(end, ordered.count)
        }
        return assigned
    }
}
