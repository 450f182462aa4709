import Foundation
import HearthCore
@testable import HearthDevice
import HearthTesting
import Logging
import Synchronization
import Testing

@Suite struct BackoffTests {
    @Test func waitsDoubleUpToTheCeilingWithJitter() {
        let backoff = Backoff()
        #expect((1...8).map { backoff.ceiling(beforeRetry: $0) } == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.ceiling(beforeRetry: 1000) == .seconds(60))
        var generator = SystemRandomNumberGenerator()
        var seen = Set<Duration>()
        for _ in 0..<200 {
            let delay = backoff.delay(beforeRetry: 3, using: &generator)
            #expect(delay >= .seconds(2) && delay <= .seconds(4))
            seen.insert(delay)
        }
        #expect(seen.count > 100, "jitter spreads the waits")
    }

    /// Runs `failures` then succeeds; returns how many attempts were made and the waits.
    func attempts(
        _ backoff: Backoff, failing failures: [any Error],
        worthRetrying: (_ waited: Duration, _ next: Duration) -> Bool = { _, _ in false }
    ) async -> (attempts: Int, waits: [Duration], error: (any Error)?) {
        let state = Mutex<(Int, [Duration])>((0, []))
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        do {
            _ = try await backoff.run(
                sleep: { wait in state.withLock { $0.1.append(wait) } }, logger: quiet, "test", worthRetrying: worthRetrying
            ) {
                let attempt = state.withLock { state -> Int in
                    state.0 += 1
                    return state.0
                }
                if attempt <= failures.count { throw failures[attempt - 1] }
                return attempt
            }
            return state.withLock { ($0.0, $0.1, nil) }
        } catch {
            return state.withLock { ($0.0, $0.1, error) }
        }
    }

    @Test func retriesNetworkErrorsAndServerErrorsOnly() async {
        let backoff = Backoff(maximumAttempts: 4)
        let unreachable = HubTransportError(.unreachable, "refused")
        let unavailable = HubProblem(status: 503, code: "storage-unavailable", detail: "busy")

        let recovered = await attempts(backoff, failing: [unreachable, unavailable, HubTransportError(.timedOut, "slow")])
        #expect(recovered.attempts == 4 && recovered.error == nil)
        #expect(recovered.waits.count == 3)

        let exhausted = await attempts(backoff, failing: Array(repeating: unreachable, count: 10))
        #expect(exhausted.attempts == 4)
        #expect((exhausted.error as? HubTransportError) == unreachable)

        // The hub's decisions and TLS failures are final.
        for final: any Error in [
            HubProblem(status: 403, code: "renewal-too-early", detail: "wait"),
            HubProblem(status: 409, code: "conflict", detail: "reuse"),
            HubTransportError(.tls, "untrusted"),
        ] {
            let refused = await attempts(backoff, failing: [final])
            #expect(refused.attempts == 1 && refused.waits.isEmpty, "\(final)")
        }
    }

    @Test func problemsAreReadFromProblemJSON() {
        let body = Array(#"{"code":"renewal-too-early","detail":"renew after 2030","status":403,"title":"Forbidden"}"#.utf8)
        let problem = HubProblem(status: 403, body: body)
        #expect(problem == HubProblem(status: 403, code: "renewal-too-early", detail: "renew after 2030"))
        #expect(HubProblem(status: 502, body: Array("<html>".utf8)).code == "http-502")
    }

    /// A hub that sheds load says when to come back (503 with Retry-After, the second it booked
    /// for the device): the device waits that, plus up to a second (or a tenth) to spread those
    /// booked the same second; the hub's word stands over the device's own back-off.
    @Test func aShedAnswerIsRetriedWhenTheHubAsked() {
        let backoff = Backoff()
        var generator = SystemRandomNumberGenerator()
        var shed = HubProblem(status: 503, code: "overloaded", detail: "busy")
        shed.retryAfter = 8
        #expect(shed.isRetriable)
        var waits = Set<Duration>()
        for _ in 0..<100 {
            let wait = backoff.delay(after: shed, beforeRetry: 1, using: &generator)
            #expect(wait >= .seconds(8) && wait <= .seconds(9), "\(wait)")
            waits.insert(wait)
        }
        #expect(waits.count > 50)
        shed.retryAfter = 100
        #expect(backoff.delay(after: shed, beforeRetry: 1, using: &generator) <= .seconds(110))
        // Without the header, the device's own back-off.
        let plain = HubProblem(status: 503, code: "storage-unavailable", detail: "down")
        #expect(backoff.delay(after: plain, beforeRetry: 1, using: &generator) <= .seconds(1))
        #expect(backoff.delay(after: plain, beforeRetry: 7, using: &generator) >= .seconds(30))
        shed.retryAfter = 1
        let late = backoff.delay(after: shed, beforeRetry: 7, using: &generator)
        #expect(late >= .seconds(1) && late <= .seconds(2), "the hub's booking, not the 30–60 s of the 7th retry: \(late)")
    }

    /// Past its attempts the back-off goes on while the caller says a retry is still worth it,
    /// told the time slept so far and the next wait; a final error still ends it at once.
    @Test func retriesPastTheAttemptsWhileWorthIt() async {
        let backoff = Backoff(initialDelay: .seconds(1), maximumDelay: .seconds(4), maximumAttempts: 2)
        let unreachable = HubTransportError(.unreachable, "closed before TLS")
        let budget = Duration.seconds(30)
        let kept = await attempts(backoff, failing: Array(repeating: unreachable, count: 100)) { waited, next in
            waited + next <= budget
        }
        #expect(kept.attempts > 6, "kept trying past the two attempts: \(kept.attempts)")
        #expect(kept.waits.reduce(.zero, +) <= budget)
        #expect(kept.waits.reduce(.zero, +) > budget - .seconds(4), "stopped only when the next wait would pass the budget")
        #expect((kept.error as? HubTransportError) == unreachable)

        let recovered = await attempts(backoff, failing: Array(repeating: unreachable, count: 5)) { _, _ in true }
        #expect(recovered.attempts == 6 && recovered.error == nil)

        let refused = await attempts(backoff, failing: [HubProblem(status: 403, code: "renewal-too-early", detail: "wait")]) { _, _ in true }
        #expect(refused.attempts == 1 && refused.waits.isEmpty)
    }

    /// A renewal is retried while the certificate in hand outlives the next wait by the margin —
    /// by the device's clock corrected to the hub's, or by the waits when the clock stands still.
    @Test func aRenewalIsWorthRetryingWhileTheCertificateOutlivesTheWait() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = TestClock(start)
        let record = DeviceRecord(
            deviceID: "d", hub: URL(string: "https://127.0.0.1:1")!, notAfter: start.addingTimeInterval(300),
            renewAfter: start.addingTimeInterval(-300))
        let worth = VirtualDevice.whileValid(record, from: record.hubTime(at: clock.now), clock: clock)
        let margin = VirtualDevice.lastRetryMargin
        #expect(worth(.zero, .seconds(60)))
        #expect(worth(.seconds(200), .seconds(300 - margin - 201)))
        #expect(!worth(.seconds(200), .seconds(300 - margin - 200)), "the last try must leave the margin")
        // The clock moved on while the attempts themselves took time: it counts too.
        clock.advance(by: 260)
        #expect(!worth(.zero, .seconds(20)))
        // A device whose clock is behind the hub's (offset from the last issued certificate) asks by the hub's time.
        var behind = record
        behind.clockOffset = 260
        #expect(!VirtualDevice.whileValid(behind, from: start, clock: TestClock(start))(.zero, .seconds(20)))
    }
}
