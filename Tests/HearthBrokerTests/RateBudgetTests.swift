@testable import HearthBroker
import Testing

/// A rate limit's budget: a second's worth at once, then the limit's pace; a new limit starts full.
@Suite struct RateBudgetTests {
    static let second: UInt64 = 1_000_000_000

    @Test func aSecondsWorthGoesAtOnceThenTheLimitsPace() {
        var budget = RateBudget()
        let start: UInt64 = 5 * Self.second
        let admitted = (0..<30).filter { _ in budget.admit(limit: 20, now: start) }.count
        #expect(admitted == 20)
        let early = budget.admit(limit: 20, now: start + Self.second / 40)
        #expect(!early, "half a message's time later")
        let onTime = budget.admit(limit: 20, now: start + Self.second / 20)
        #expect(onTime)
        // Over ten seconds at a thousand attempts a second, about 20 a second pass.
        var passed = 0
        for step in 1...10_000 where budget.admit(limit: 20, now: start + Self.second + UInt64(step) * Self.second / 1000) {
            passed += 1
        }
        #expect((195...225).contains(passed), "\(passed)")
    }

    @Test func aNewLimitStartsFull() {
        var budget = RateBudget()
        for _ in 0..<5 { _ = budget.admit(limit: 5, now: Self.second) }
        let sixth = budget.admit(limit: 5, now: Self.second)
        #expect(!sixth)
        let raised = budget.admit(limit: 50, now: Self.second)
        #expect(raised)
    }
}
