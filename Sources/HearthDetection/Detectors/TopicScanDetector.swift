import Foundation
import HearthCore

/// Denied publishes and subscriptions per client: a client refused `denials` times within
/// `window` is probing for topics it may not use. Raised once per window.
struct TopicScanDetector: Sendable {
    private var clients: [Suspect: (count: Int, since: Date, raised: Bool)] = [:]

    mutating func denied(
        _ suspect: Suspect, household: HouseholdID, count: Int, sample: String, zone: String?, at now: Date,
        _ settings: DetectionSettings
    ) -> [Response] {
        let limits = settings.scanning(in: zone)
        var entry = clients[suspect] ?? (0, now, false)
        if now.timeIntervalSince(entry.since) > limits.window { entry = (0, now, false) }
        entry.count += count
        defer { clients[suspect] = entry }
        guard !entry.raised, entry.count >= limits.denials else { return [] }
        entry.raised = true
        return [Response(finding: Finding(
            kind: .topicScanning, suspect: suspect, household: household, severity: .warning,
            summary: "\(suspect) was refused \(entry.count) publishes or subscriptions within \(Int(limits.window)) s",
            evidence: [Evidence("denials", "\(entry.count)"), Evidence("sample", sample), Evidence("since", RFC3339.format(entry.since))],
            at: now), actions: [])]
    }

    mutating func prune(at now: Date, _ settings: DetectionSettings) {
        let longest = ([settings.scanning.window] + settings.zones.values.compactMap { $0.scanning?.window }).max() ?? 0
        clients = clients.filter { now.timeIntervalSince($0.value.since) <= longest }
    }
}
