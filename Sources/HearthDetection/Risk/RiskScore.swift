import Foundation

/// A suspect's risk: the weights of its findings, each halving every `halfLife`, capped at 100,
/// with the findings that raised it. Worked out from the stored alerts whenever it is asked for,
/// so every process and node shows the same score and nothing has to be kept in step.
public struct RiskScore: Sendable, Hashable {
    public struct Cause: Sendable, Hashable {
        public let kind: FindingKind
        public let severity: Severity
        public let summary: String
        public let at: Date
        /// What is left of its weight now.
        public let weight: Double

        public init(kind: FindingKind, severity: Severity, summary: String, at: Date, weight: Double = 0) {
            self.kind = kind
            self.severity = severity
            self.summary = summary
            self.at = at
            self.weight = weight
        }
    }

    public let suspect: Suspect
    /// 0 … 100.
    public let score: Int
    /// Newest first.
    public let causes: [Cause]

    /// What one finding of `severity` adds before it decays.
    public static func weight(of severity: Severity) -> Double {
        switch severity {
        case .notice: 5
        case .warning: 30
        case .critical: 70
        }
    }

    /// Scores per suspect from their findings; suspects whose score decayed below 1 are left out.
    public static func scores(
        _ findings: [(suspect: Suspect, cause: Cause)], halfLife: TimeInterval, now: Date
    ) -> [RiskScore] {
        var bySuspect: [Suspect: [Cause]] = [:]
        for (suspect, cause) in findings where cause.at <= now {
            let age = now.timeIntervalSince(cause.at)
            let weight = weight(of: cause.severity) * pow(0.5, age / halfLife)
            bySuspect[suspect, default: []].append(Cause(
                kind: cause.kind, severity: cause.severity, summary: cause.summary, at: cause.at, weight: weight))
        }
        return bySuspect.compactMap { suspect, causes in
            let total = min(100, causes.reduce(0) { $0 + $1.weight })
            guard total >= 1 else { return nil }
            return RiskScore(suspect: suspect, score: Int(total.rounded()), causes: causes.sorted { $0.at > $1.at })
        }.sorted { ($0.score, $1.suspect.description) > ($1.score, $0.suspect.description) }
    }
}
