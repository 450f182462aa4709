import Foundation

/// Refused credentials and codes, per source address and per target. A source reaching its
/// threshold is blocked for a back-off that doubles with each block; a target reaching its own
/// from several sources raises an alert (the guessers are spread out, so nothing is blocked).
struct BruteForceDetector: Sendable {
    private var bySource: [String: SlidingCount] = [:]
    private var byTarget: [String: (count: SlidingCount, sources: Set<String>)] = [:]
    /// Blocks given per source, remembered for the doubling until `maximumBlock` after the last ended.
    private var blocks: [String: (until: Date, count: Int)] = [:]

    mutating func failed(
        _ kind: AuthenticationKind, source: String?, target: String?, at now: Date, _ settings: DetectionSettings
    ) -> [Response] {
        let limits = settings.bruteForce
        var responses: [Response] = []
        if let source, bySource[source, default: SlidingCount()].add(at: now, limit: limits.perSource, window: limits.window) {
            bySource[source] = nil
            let previous = blocks[source].map { $0.until > now.addingTimeInterval(-limits.maximumBlock) ? $0.count : 0 } ?? 0
            let duration = min(limits.maximumBlock, limits.block * pow(2, Double(previous)))
            let until = now.addingTimeInterval(duration)
            blocks[source] = (until, previous + 1)
            let finding = Finding(
                kind: .bruteForce, suspect: .source(source), household: nil, severity: .warning,
                summary: "\(limits.perSource) refused credentials from \(source) within \(Int(limits.window)) s (the last: \(kind.rawValue))",
                evidence: [
                    Evidence("source", source), Evidence("refusals", "\(limits.perSource)"),
                    Evidence("window-seconds", "\(Int(limits.window))"), Evidence("last-kind", kind.rawValue),
                    Evidence("blocks-before", "\(previous)"),
                ] + (target.map { [Evidence("last-target", $0)] } ?? []),
                at: now)
            let blocking = settings.containment.blockBruteForce && !limits.exempt.contains(source)
            responses.append(Response(finding: finding, actions: blocking ? [.blockSource(source, until: until)] : []))
        }
        if let target {
            let key = "\(kind.rawValue):\(target)"
            var entry = byTarget[key] ?? (SlidingCount(), [])
            if let source { entry.sources.insert(source) }
            if entry.count.add(at: now, limit: limits.perTarget, window: limits.window) {
                byTarget[key] = nil
                responses.append(Response(finding: Finding(
                    kind: .bruteForce, suspect: Suspect(.target, key), household: nil, severity: .warning,
                    summary: "\(limits.perTarget) refused attempts at \(kind.rawValue) \(target) from \(entry.sources.count) source(s) within \(Int(limits.window)) s",
                    evidence: [
                        Evidence("target", target), Evidence("kind", kind.rawValue), Evidence("refusals", "\(limits.perTarget)"),
                        Evidence("sources", entry.sources.sorted().prefix(20).joined(separator: " ")),
                    ],
                    at: now), actions: []))
            } else {
                byTarget[key] = entry
            }
        }
        return responses
    }

    /// Forgets a source's count and blocks (an owner lifted its block).
    mutating func forget(source: String) {
        bySource[source] = nil
        blocks[source] = nil
    }

    /// Forgets counts that slid out of their window and blocks long over.
    mutating func prune(at now: Date, _ settings: DetectionSettings) {
        let start = now.addingTimeInterval(-settings.bruteForce.window)
        bySource = bySource.compactMapValues { count in
            var count = count
            count.drop(before: start)
            return count.isEmpty ? nil : count
        }
        byTarget = byTarget.compactMapValues { entry in
            var entry = entry
            entry.count.drop(before: start)
            return entry.count.isEmpty ? nil : entry
        }
        blocks = blocks.filter { $0.value.until > now.addingTimeInterval(-settings.bruteForce.maximumBlock) }
    }
}
