import HearthCore
import Synchronization
import Testing

/// The hub's load shedding: past its limit a gate refuses at once, with a wait to come back after.
@Suite struct LoadGateTests {
    @Test func refusesPastTheLimitAndAdmitsAgainOnceWorkEnds() async throws {
        let gate = LoadGate(limit: 2, what: "renewals")
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
        #expect(refusal?.retryAfter == 1, "the first refused is booked the next second")
        #expect(refusal?.reason.contains("renewals") == true && refusal?.reason.contains("2 at once") == true)
        #expect(gate.refusals == 1)
        #expect(gate.inFlight == 2, "a refusal does not hold a place")

        for (_, releaser) in streams { releaser.finish() }
        for holder in holders { try await holder.value }
        #expect(gate.inFlight == 0)
        #expect(try await gate.run { 7 } == 7)
    }

    /// Urgent work (a renewal of a certificate about to end) is admitted past the limit, up to twice it.
    @Test func urgentWorkIsAdmittedUpToTwiceTheLimit() async throws {
        let gate = LoadGate(limit: 1, what: "renewals")
        let streams = (0..<2).map { _ in AsyncStream<Void>.makeStream() }
        let normal = Task { try await gate.run { for await _ in streams[0].stream { break } } }
        while gate.inFlight < 1 { await Task.yield() }
        await #expect(throws: HearthError.self) { try await gate.run { 1 } }
        let urgent = Task { try await gate.run(urgent: true) { for await _ in streams[1].stream { break } } }
        while gate.inFlight < 2 { await Task.yield() }
        await #expect(throws: HearthError.self, "twice the limit is the most") { try await gate.run(urgent: true) { 1 } }
        for (_, releaser) in streams { releaser.finish() }
        try await normal.value
        try await urgent.value
        #expect(gate.refusals == 2 && gate.inFlight == 0)
    }

    @Test func aFailedOperationFreesItsPlace() async throws {
        struct Broken: Error {}
        let gate = LoadGate(limit: 1, what: "tokens")
        await #expect(throws: Broken.self) { try await gate.run { throw Broken() } }
        #expect(gate.inFlight == 0)
        #expect(try await gate.run { "admitted" } == "admitted")
    }

    /// Refused callers are booked one after another at nine tenths of the rate the gate finishes
    /// work, so a crowd comes back as fast as it can be served, and no faster.
    @Test func refusalsAreBookedAtTheRateTheGateServes() async {
        // One instant: the rate is measured per window, and this one does not end.
        let instant = ContinuousClock.now
        let gate = LoadGate(limit: 5, what: "tokens", now: { instant })
        let streams = (0..<5).map { _ in AsyncStream<Void>.makeStream() }
        let holders = streams.map { release, _ in Task { try await gate.run { for await _ in release { break } } } }
        while gate.inFlight < 5 { await Task.yield() }
        var waits: [Int] = []
        for _ in 0..<90 {
            do { try await gate.run {} } catch let error as HearthError { waits.append(error.retryAfter ?? 0) } catch {}
        }
        for (_, releaser) in streams { releaser.finish() }
        for holder in holders { _ = await holder.result }
        // Until measured, the rate is two per admitted place and second: 10/s, booked at 9/s.
        #expect(waits.count == 90 && waits == waits.sorted(), "appointments in the order of refusal")
        #expect(waits.first == 1 && waits.last == 11, "90 booked at 9 a second: \(waits)")
        // Nine a second (give or take the one booked on a second's boundary).
        for second in 2...10 { #expect((8...10).contains(waits.filter { $0 == second }.count), "nine a second: \(waits)") }
    }

    @Test func theBookFollowsTheMeasuredRate() {
        let start = ContinuousClock.now
        var book = RetryAppointments(floor: 1, ceiling: 120, window: .seconds(2), initialRate: 100)
        #expect(book.refusal(at: start) == 1)
        // A full window (it refused someone) in which 20 finished in 2 s: 10 a second measured,
        // averaged with the estimate: 55 a second.
        for _ in 0..<20 { book.completion(at: start + .seconds(1)) }
        _ = book.refusal(at: start + .seconds(2))
        #expect(book.rate == 55)
        // Its next windows measure 10 a second again: the rate comes down to it.
        for window in 2..<13 {
            for _ in 0..<20 { book.completion(at: start + .seconds(2 * window - 1)) }
            _ = book.refusal(at: start + .seconds(2 * window))
        }
        #expect(abs(book.rate - 10) < 0.1)
        // About 9 appointments a second from here; the book never runs past the ceiling.
        for _ in 0..<20 { book.completion(at: start + .seconds(25)) }
        let at = start + .seconds(26)
        var waits: [Int] = []
        for _ in 0..<2000 { waits.append(book.refusal(at: at)) }
        #expect(abs(book.rate - 10) < 0.1)
        #expect((8...10).contains(waits.filter { $0 == 50 }.count), "\(waits.filter { $0 == 50 }.count)")
        #expect(waits.first == 1 && waits.last == 120 && waits.max() == 120)
        // A window that was not full only raises the rate.
        let later = start + .seconds(200)
        book.completion(at: later)
        for _ in 0..<1000 { book.completion(at: later + .seconds(1)) }
        book.completion(at: later + .seconds(2))
        #expect(book.rate > 400)
        // Appointments that have passed are not kept: a new crowd starts from the next second.
        #expect(book.refusal(at: start + .seconds(400)) == 1)
    }
}
