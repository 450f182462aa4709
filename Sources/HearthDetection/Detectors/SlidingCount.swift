import Foundation

/// Events counted over the last `window` seconds, keeping at most `limit` times: whether `limit`
/// events fell inside the window is all a threshold asks.
struct SlidingCount: Sendable, Hashable {
    private(set) var times: [Date] = []

    /// Adds an event at `time`; returns whether `limit` of them now lie within `window`.
    mutating func add(at time: Date, limit: Int, window: TimeInterval) -> Bool {
        times.append(time)
        if times.count > limit { times.removeFirst(times.count - limit) }
        drop(before: time.addingTimeInterval(-window))
        return times.count >= limit
    }

    mutating func drop(before start: Date) {
        if let kept = times.firstIndex(where: { $0 >= start }) {
            if kept > 0 { times.removeFirst(kept) }
        } else {
            times = []
        }
    }

    mutating func reset() { times = [] }

    var isEmpty: Bool { times.isEmpty }
}
