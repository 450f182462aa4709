import HearthCore
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
        let gate = LoadGate(limit: 1, what: "tokens", retryAfter: 1...5)
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
}
