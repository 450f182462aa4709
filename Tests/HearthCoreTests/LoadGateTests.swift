import HearthCore
import Synchronization
import Testing

/// The hub's load shedding: past its limit a gate refuses at once, with a wait to come back after.
@Suite struct LoadGateTests {
    @Test func refusesPastTheLimitAndAdmitsAgainOnceWorkEnds() async throws {
        let gate = LoadGate(limit: 2, what: "renewals", retryAfter: 2...4)
        // One stream per holder: an AsyncStream has one reader.
        let streams = (0..<2).map { _ in AsyncStream<Void>.makeStream() }
        let holders = streams.map { release, _ in
            Task { try await gate.run { for await _ in release { break } } }
        }
        while gate.inFlight < 2 { await Task.yield() }
        #expect(gate.inFlight == 2)

        let refusal = await #expect(throws: HearthError.self) { try await gate.run { 1 } }
        #expect(refusal?.code == .overloaded)
        #expect(refusal?.code.category == .unavailable, "an HTTP adapter answers 503")
        #expect((2...4).contains(refusal?.retryAfter ?? 0))
        #expect(refusal?.reason.contains("renewals") == true && refusal?.reason.contains("2 at once") == true)
        #expect(gate.refusals == 1)
        #expect(gate.inFlight == 2, "a refusal does not hold a place")

        for (_, releaser) in streams { releaser.finish() }
        for holder in holders { try await holder.value }
        #expect(gate.inFlight == 0)
        #expect(try await gate.run { 7 } == 7)
    }

    @Test func aFailedOperationFreesItsPlace() async throws {
        struct Broken: Error {}
        let gate = LoadGate(limit: 1, what: "tokens")
        await #expect(throws: Broken.self) { try await gate.run { throw Broken() } }
        #expect(gate.inFlight == 0)
        #expect(try await gate.run { "admitted" } == "admitted")
    }

    @Test func refusalsSpreadTheirWaits() async {
        // One instant: the crowd's size is judged per window, and this one does not end.
        let instant = ContinuousClock.now
        let gate = LoadGate(limit: 1, what: "tokens", retryAfter: 1...5, now: { instant })
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let holder = Task { try await gate.run { for await _ in release { break } } }
        while gate.inFlight < 1 { await Task.yield() }
        var waits = Set<Int>()
        for _ in 0..<200 {
            do { try await gate.run {} } catch let error as HearthError { waits.insert(error.retryAfter ?? 0) } catch {}
        }
        releaser.finish()
        _ = await holder.result
        #expect(waits == Set(1...5), "a crowd told different seconds comes back spread: \(waits.sorted())")
    }

    @Test func aLargerCrowdIsToldToWaitLonger() {
        let start = ContinuousClock.now
        var estimate = RetryAfterEstimate(floor: 5, ceiling: 120, window: .seconds(2))
        #expect(estimate.refusal(at: start) == 5)
        // A window in which 300 were refused while 30 finished: the refused come back 11 times as
        // fast as they can be served.
        for _ in 0..<299 { _ = estimate.refusal(at: start + .seconds(1)) }
        for _ in 0..<30 { estimate.completion(at: start + .seconds(1)) }
        let grown = estimate.refusal(at: start + .seconds(2))
        #expect(grown == 17, "5 × √11 = 16.6, rounded up")
        // Still more than can be served: it keeps growing, up to the ceiling.
        var longest = grown
        for window in 2..<12 {
            let at = start + .seconds(2 * window)
            for _ in 0..<1000 { longest = estimate.refusal(at: at) }
            estimate.completion(at: at)
        }
        #expect(longest == 120)
        // Windows with no refusal halve it, down to the floor.
        estimate.completion(at: start + .seconds(24))
        estimate.completion(at: start + .seconds(26))
        #expect(estimate.longest == 60)
        estimate.completion(at: start + .seconds(60))
        #expect(estimate.longest == 5, "a quiet spell of several windows halves it for each")
    }

    @Test func theGateTellsWaitsUpToTheLongest() async {
        let clock = Mutex(ContinuousClock.now)
        let gate = LoadGate(limit: 1, what: "renewals", retryAfter: 1...5, longestRetryAfter: 60, now: { clock.withLock { $0 } })
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let holder = Task { try await gate.run { for await _ in release { break } } }
        while gate.inFlight < 1 { await Task.yield() }
        var waits: [Int] = []
        for _ in 0..<10 {
            clock.withLock { $0 = $0 + .seconds(2) }
            for _ in 0..<100 {
                do { try await gate.run {} } catch let error as HearthError { waits.append(error.retryAfter ?? 0) } catch {}
            }
        }
        releaser.finish()
        _ = await holder.result
        #expect(gate.longestRetryAfter == 60)
        #expect(waits.prefix(100).allSatisfy { (1...5).contains($0) }, "the first window's crowd was told more than the base")
        #expect(waits.suffix(100).contains { $0 > 5 } && waits.allSatisfy { (1...60).contains($0) })
    }
}
