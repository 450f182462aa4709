import Synchronization

/// Why the privacy gate refused a device's PUBLISH (docs/privacy.md, "Metrics").
package enum TelemetryRefusal: String, Sendable, CaseIterable {
    case undeclaredFlow = "undeclared-flow"
    case schema
    case notJSON = "not-json"
    /// Beyond its declared rate, on a flow detection limited to it.
    case rate = "declared-rate"
}

/// What the privacy gate counted since the hub started: the privacy metrics' counters.
final class PrivacyCounters: Sendable {
    private let refused = Mutex<[TelemetryRefusal: Int]>([:])
    private let overdue = Atomic<Int>(0)

    func refuse(_ reason: TelemetryRefusal) {
        refused.withLock { $0[reason, default: 0] += 1 }
    }

    func countOverdue(_ count: Int) {
        overdue.add(count, ordering: .relaxed)
    }

    /// Stored telemetry that retention sweeps found past its retention by more than their grace.
    var overdueFound: Int { overdue.load(ordering: .relaxed) }

    /// Every reason, with 0 for those never counted.
    var refusedByReason: [TelemetryRefusal: Int] {
        let counted = refused.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: TelemetryRefusal.allCases.map { ($0, counted[$0] ?? 0) })
    }
}
