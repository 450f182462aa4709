import Foundation
import HearthCore
import HearthDetection
import Testing

/// The detectors in memory: each signal sequence against the documented defaults.
@Suite struct DetectionEngineTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static func time(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    let household = HouseholdID()
    let lamp = DeviceID()

    func traffic(_ engine: inout DetectionEngine, perSecond: Double, from: Double, to: Double, zone: String = "lighting") -> [Response] {
        var responses: [Response] = []
        var t = from
        while t < to {
            t += 0.25
            let sample = TrafficSample(
                device: lamp, household: household, zone: zone, messages: Int(perSecond / 4), bytes: Int(perSecond / 4) * 100,
                interval: 0.25, at: Self.time(t))
            responses += engine.receive(.traffic(sample))
        }
        return responses
    }

    /// Quarter-second rounds of a flow declared at `count` per `period` seconds; `every`: one
    /// message each this many seconds (a rounds without messages yields no sample, as the hub's
    /// harvest does for a flow that is not limited), or `perSecond` in every round.
    func flow(
        _ engine: inout DetectionEngine, count: Int = 1, period: Double = 60, perSecond: Double = 0, every: Double? = nil,
        limited: Bool = false, refusedPerSecond: Double = 0, from: Double, to: Double
    ) -> [Response] {
        var responses: [Response] = []
        var t = from
        while t < to {
            t += 0.25
            let messages = every.map { Int((t / $0).rounded(.down)) - Int(((t - 0.25) / $0).rounded(.down)) } ?? Int(perSecond / 4)
            guard messages > 0 || limited else { continue }
            responses += engine.receive(.flowTraffic(FlowTrafficSample(
                device: lamp, household: household, flow: "energy", messages: messages, refused: Int(refusedPerSecond / 4), count: count,
                period: period,
                declared: "\(count)/\(Int(period))s", interval: 0.25, at: Self.time(t))))
        }
        return responses
    }

    // MARK: Declared rates

    /// A flow sent as declared — one message a minute, heard once a minute — is never a storm,
    /// however many rounds pass between its messages.
    @Test func aFlowKeptToItsDeclaredRateIsNeverAStorm() {
        var engine = DetectionEngine()
        #expect(flow(&engine, every: 60, from: 0, to: 6 * 3600).isEmpty)
        #expect(flow(&engine, every: 59, from: 6 * 3600, to: 12 * 3600).isEmpty, "a clock a little fast")
    }

    /// Far above its declared 1/min, the flow fills the burst allowance (200) within a few seconds
    /// and is limited to its declared rate; still above it 10 s later, the device is quarantined.
    @Test func aFlowAboveItsDeclaredRateIsLimitedThenQuarantined() throws {
        var engine = DetectionEngine()
        _ = flow(&engine, every: 60, from: 0, to: 600)
        let storm = flow(&engine, perSecond: 80, from: 600, to: 604)
        let limited = try #require(storm.first)
        #expect(storm.count == 1 && limited.finding.kind == .messageStorm && limited.finding.suspect == .device(lamp))
        #expect(limited.actions == [.limitFlow(lamp, household: household, flow: "energy", declared: "1/60s")])
        #expect(limited.finding.evidence.contains(Evidence("declared-rate", "1/60s")), "\(limited.finding.evidence)")
        #expect(limited.finding.at <= Self.time(603))
        // Limited to 1/min, all but one of them are refused.
        let more = flow(&engine, perSecond: 80, limited: true, refusedPerSecond: 80, from: 604, to: 616)
        #expect(more.map(\.actions) == [[.quarantine(lamp, household: household)]] && more.first?.escalates == true)
    }

    /// Limited, then back to its declared rate: nothing refused for 30 s lifts the limit.
    @Test func aLimitedFlowBackWithinItsRateIsLifted() {
        var engine = DetectionEngine()
        _ = flow(&engine, perSecond: 200, from: 0, to: 2)
        #expect(flow(&engine, perSecond: 200, limited: true, refusedPerSecond: 200, from: 2, to: 5).isEmpty)
        let calm = flow(&engine, every: 60, limited: true, from: 5, to: 40)
        #expect(calm.map(\.actions) == [[.liftFlowLimit(lamp, household: household, flow: "energy")]])
        #expect(calm.first?.escalates == true)
    }

    // MARK: Renewal from a new address

    @Test func aRenewalFromAnAddressTheDeviceWasNeverSeenAtIsReportedOnce() throws {
        var engine = DetectionEngine()
        // A device never seen teaches its first address; then it connects from the LAN as usual.
        #expect(engine.receive(.renewed(lamp, household: household, source: "192.168.1.20", at: Self.time(0))).isEmpty)
        #expect(engine.receive(.deviceConnected(lamp, address: "192.168.1.21", at: Self.time(1))).isEmpty)
        #expect(engine.receive(.renewed(lamp, household: household, source: "192.168.1.21", at: Self.time(2))).isEmpty)
        let found = engine.receive(.renewed(lamp, household: household, source: "203.0.113.7", at: Self.time(3)))
        let response = try #require(found.first)
        #expect(found.count == 1 && response.actions.isEmpty, "reported, nothing contained (devices do move)")
        #expect(response.finding.kind == .renewalFromNewAddress && response.finding.severity == .warning)
        #expect(response.finding.suspect == .device(lamp) && response.finding.household == household)
        #expect(response.finding.evidence.contains(Evidence("source", "203.0.113.7")))
        #expect(response.finding.evidence.contains(Evidence("addresses", "192.168.1.20 192.168.1.21")))
        // Known now: its next renewal from there is not news; another device's history is its own.
        #expect(engine.receive(.renewed(lamp, household: household, source: "203.0.113.7", at: Self.time(4))).isEmpty)
        let other = DeviceID()
        #expect(engine.receive(.deviceConnected(other, address: "192.168.1.30", at: Self.time(5))).isEmpty)
        #expect(engine.receive(.renewed(other, household: household, source: "192.168.1.21", at: Self.time(6))).count == 1)
    }

    @Test func aReleasesVersionWithAnotherImageIsACriticalFinding() throws {
        var engine = DetectionEngine()
        let (reported, released) = (String(repeating: "ab", count: 32), String(repeating: "cd", count: 32))
        let found = engine.receive(.firmwareImageMismatch(FirmwareImageMismatch(
            device: lamp, household: household, model: "lamp-x", version: "1.1", reported: reported, released: released,
            source: "report", at: Self.time(0))))
        let response = try #require(found.first)
        #expect(found.count == 1 && response.actions.isEmpty, "reported; the owner decides")
        #expect(response.finding.kind == .firmwareImageMismatch && response.finding.severity == .critical)
        #expect(response.finding.suspect == .device(lamp) && response.finding.household == household)
        #expect(response.finding.evidence.contains(Evidence("reported-sha256", reported)))
        #expect(response.finding.evidence.contains(Evidence("release-sha256", released)))
    }

    @Test func onlyTheLatestEightAddressesAreRemembered() {
        var engine = DetectionEngine()
        for last in 1...9 { _ = engine.receive(.deviceConnected(lamp, address: "10.0.0.\(last)", at: Self.time(Double(last)))) }
        #expect(engine.receive(.renewed(lamp, household: household, source: "10.0.0.9", at: Self.time(10))).isEmpty)
        #expect(engine.receive(.renewed(lamp, household: household, source: "10.0.0.1", at: Self.time(11))).count == 1, "forgotten")
    }

    // MARK: Message storm

    @Test func aSteadyDeviceIsNeverAStorm() throws {
        var engine = DetectionEngine()
        #expect(traffic(&engine, perSecond: 8, from: 0, to: 600).isEmpty)
        let baseline = try #require(engine.baseline(of: lamp))
        #expect(baseline > 4 && baseline <= 8)
    }

    @Test func aStormIsRateLimitedWithinASecondThenQuarantinedWhenItOutlastsTheLimit() throws {
        var engine = DetectionEngine()
        _ = traffic(&engine, perSecond: 4, from: 0, to: 6000)
        let first = traffic(&engine, perSecond: 800, from: 6000, to: 6001.5)
        let limited = try #require(first.first)
        #expect(first.count == 1)
        #expect(limited.finding.kind == .messageStorm && limited.finding.suspect == .device(lamp))
        #expect(limited.finding.at <= Self.time(6001))
        guard case .rateLimit(lamp, household, let perSecond) = limited.actions.first else {
            Issue.record("expected a rate limit, got \(limited.actions)")
            return
        }
        #expect((38...40).contains(perSecond), "10 × a baseline of about 4/s")
        let more = traffic(&engine, perSecond: 800, from: 6001.5, to: 6012)
        #expect(more.map(\.actions) == [[.quarantine(lamp, household: household)]])
        #expect(more.first?.escalates == true && more.first?.finding.severity == .critical)
    }

    @Test func theFloorHoldsForADeviceWithoutBaseline() {
        var engine = DetectionEngine()
        #expect(traffic(&engine, perSecond: 16, from: 0, to: 30).isEmpty)
        // 20 messages a second beyond the floor: the burst allowance of 200 is spent in 10 s.
        #expect(traffic(&engine, perSecond: 40, from: 30, to: 39.5).isEmpty)
        #expect(!traffic(&engine, perSecond: 40, from: 39.5, to: 41).isEmpty)
    }

    /// What was learned before a restart is where the engine starts: a device whose stored rate is
    /// 8 messages/s may send 60 (under 10 × 8), which the bare floor of 20 would call a storm.
    @Test func restoredBaselinesCarryOverARestart() throws {
        var learned = DetectionEngine()
        _ = traffic(&learned, perSecond: 8, from: 0, to: 3600)
        let baselines = learned.learnedBaselines()
        let rate = try #require(baselines.devices[lamp])
        #expect(abs(rate - 8) < 0.5, "\(rate)")

        var restarted = DetectionEngine()
        restarted.restore(baselines, at: Self.time(3600))
        #expect(restarted.baseline(of: lamp) == rate)
        #expect(traffic(&restarted, perSecond: 60, from: 3600, to: 3660).isEmpty)
        var bare = DetectionEngine()
        #expect(!traffic(&bare, perSecond: 60, from: 3600, to: 3660).isEmpty, "without its baseline the device storms")

        // What the engine learned itself since starting wins over a stored rate.
        var fresh = DetectionEngine()
        _ = traffic(&fresh, perSecond: 1, from: 0, to: 600)
        let own = fresh.baseline(of: lamp)
        fresh.restore(LearnedBaselines(devices: [lamp: 50]), at: Self.time(600))
        #expect(fresh.baseline(of: lamp) == own)
    }

    @Test func aShortBurstIsNotAStorm() {
        var engine = DetectionEngine()
        _ = traffic(&engine, perSecond: 1, from: 0, to: 60)
        // 30 messages in one quarter second (a reconnect flushing its queue), then quiet.
        var responses = engine.receive(.traffic(TrafficSample(
            device: lamp, household: household, zone: "lighting", messages: 30, bytes: 3000, interval: 0.25, at: Self.time(60.25))))
        responses += traffic(&engine, perSecond: 0, from: 60.25, to: 70)
        #expect(responses.isEmpty)
    }

    @Test func theLimitIsLiftedAfterTheDeviceCalmsDown() {
        var engine = DetectionEngine()
        _ = traffic(&engine, perSecond: 200, from: 0, to: 2)
        let calm = traffic(&engine, perSecond: 4, from: 2, to: 40)
        #expect(calm.map(\.actions) == [[.liftRateLimit(lamp, household: household)]])
    }

    @Test func aZoneTunesItsOwnThresholds() {
        var settings = DetectionSettings()
        var strict = StormSettings()
        strict.floor = 5
        strict.burst = 10
        settings.zones["security"] = ZoneSettings(storm: strict)
        var engine = DetectionEngine(settings: settings)
        #expect(traffic(&engine, perSecond: 12, from: 0, to: 5, zone: "lighting").isEmpty)
        var other = DetectionEngine(settings: settings)
        #expect(!traffic(&other, perSecond: 12, from: 0, to: 5, zone: "security").isEmpty)
    }

    @Test func containmentRulesSwitchedOffStillRaiseTheFinding() {
        var settings = DetectionSettings()
        settings.containment.rateLimitStorms = false
        var engine = DetectionEngine(settings: settings)
        let responses = traffic(&engine, perSecond: 400, from: 0, to: 2)
        #expect(responses.count == 1 && responses[0].actions.isEmpty)
    }

    // MARK: Brute force

    @Test func aSourceIsBlockedAtTheDocumentedCountAndForLongerEachTime() throws {
        var engine = DetectionEngine()
        for attempt in 1...9 {
            #expect(engine.receive(.authenticationFailed(.mqttConnect, source: "192.0.2.7", target: nil, at: Self.time(Double(attempt)))).isEmpty)
        }
        let blocked = engine.receive(.authenticationFailed(.signIn, source: "192.0.2.7", target: "alice@example.com", at: Self.time(10)))
        #expect(blocked.map(\.actions) == [[.blockSource("192.0.2.7", until: Self.time(310))]])
        #expect(blocked.first?.finding.suspect == .source("192.0.2.7"))
        var again: [Response] = []
        for attempt in 1...10 {
            again += engine.receive(.authenticationFailed(.pairingCode, source: "192.0.2.7", target: nil, at: Self.time(400 + Double(attempt))))
        }
        #expect(again.map(\.actions) == [[.blockSource("192.0.2.7", until: Self.time(410 + 600))]])
    }

    @Test func theHubsOwnLoopbackIsAlertedOnButNeverBlocked() {
        var engine = DetectionEngine()
        var responses: [Response] = []
        for attempt in 1...10 {
            responses += engine.receive(.authenticationFailed(.token, source: "127.0.0.1", target: nil, at: Self.time(Double(attempt))))
        }
        #expect(responses.count == 1 && responses.first?.actions == [])
    }

    @Test func failuresSpreadBeyondTheWindowDoNotAddUp() {
        var engine = DetectionEngine()
        var responses: [Response] = []
        for attempt in 0..<30 {
            responses += engine.receive(.authenticationFailed(.signIn, source: "192.0.2.8", target: nil, at: Self.time(Double(attempt) * 40)))
        }
        #expect(responses.isEmpty)
    }

    @Test func manySourcesAtOneTargetRaiseAnAlertWithoutBlocking() {
        var engine = DetectionEngine()
        var responses: [Response] = []
        for attempt in 0..<20 {
            responses += engine.receive(.authenticationFailed(
                .signIn, source: "198.51.100.\(attempt)", target: "alice@example.com", at: Self.time(Double(attempt))))
        }
        #expect(responses.count == 1)
        #expect(responses.first?.finding.suspect == Suspect(.target, "sign-in:alice@example.com"))
        #expect(responses.first?.actions == [])
    }

    // MARK: Credential in two places, topic scanning

    @Test func aCertificateInTwoPlacesIsRevokedAndItsSessionsEndedOnce() {
        var engine = DetectionEngine()
        let signal = Signal.credentialInTwoPlaces(
            .device(lamp), household: household, credential: .certificate(serial: "0a1b"), addresses: ["192.0.2.1", "192.0.2.66"],
            zone: "lighting", at: Self.time(1))
        let responses = engine.receive(signal)
        let expected: [[ContainmentAction]] = [[
            .revokeCertificate(serial: "0a1b", device: lamp, household: household),
            .disconnect(.certificate(serial: "0a1b"), household: household),
        ]]
        #expect(responses.map(\.actions) == expected)
        #expect(responses.first?.finding.severity == .critical)
        #expect(engine.receive(signal).isEmpty, "the reconnects that follow are the same finding")
    }

    @Test func aTokenInTwoPlacesRevokesItsFamily() {
        var engine = DetectionEngine()
        let responses = engine.receive(.credentialInTwoPlaces(
            Suspect(.app, "client-1"), household: household, credential: .token(id: "jti-1"), addresses: ["a", "b"], zone: nil,
            at: Self.time(1)))
        let expected: [ContainmentAction] = [.revokeToken(id: "jti-1", household: household), .disconnect(.token(id: "jti-1"), household: household)]
        #expect(responses.first?.actions == expected)
    }

    @Test func manyDenialsAreTopicScanningRaisedOncePerWindow() {
        var engine = DetectionEngine()
        let app = Suspect(.app, "client-2")
        var responses: [Response] = []
        for second in 0..<6 {
            responses += engine.receive(.denials(app, household: household, zone: nil, count: 5, sample: "devices/+/cmd/#", at: Self.time(Double(second))))
        }
        #expect(responses.count == 1 && responses[0].finding.kind == .topicScanning)
        #expect(engine.receive(.denials(app, household: household, zone: nil, count: 30, sample: "x", at: Self.time(70))).count == 1)
    }

    // MARK: Token storm

    @Test func aClientMintingFarAboveItsUsualRateIsOneAlertPerStormMinute() {
        var engine = DetectionEngine()
        var responses: [Response] = []
        // An app refreshing twice a minute for five hours…
        for minute in 0..<300 {
            for second in [10.0, 40.0] {
                responses += engine.receive(.tokenIssued(client: "app-1", household: household, at: Self.time(Double(minute) * 60 + second)))
            }
        }
        #expect(responses.isEmpty)
        // … then a loop minting 200 in one minute.
        for index in 0..<200 {
            responses += engine.receive(.tokenIssued(client: "app-1", household: household, at: Self.time(18_000 + Double(index) * 0.2)))
        }
        #expect(responses.count == 1 && responses.first?.finding.kind == .tokenStorm)
        #expect(responses.first?.finding.suspect == Suspect(.app, "app-1") && responses.first?.actions == [])
    }

    // MARK: Stuck device

    @Test func aCertificateLeftToRunOutIsReportedOnce() {
        var engine = DetectionEngine()
        let aging = { (used: Double, at: Double) in
            Signal.certificateAging(lamp, household: household, serial: "0c", notAfter: Self.time(86_400), lifetimeUsed: used, at: Self.time(at))
        }
        #expect(engine.receive(aging(0.8, 0)).isEmpty, "still early in the renewal window")
        let reported = engine.receive(aging(0.91, 60))
        #expect(reported.count == 1 && reported.first?.finding.kind == .stuckDevice && reported.first?.actions == [])
        #expect(engine.receive(aging(0.95, 120)).isEmpty)
    }

    // MARK: DNS rebinding

    @Test func aRebindingSourceIsOneAlertPerQuietPeriodAndNothingIsBlocked() {
        var engine = DetectionEngine()
        var responses: [Response] = []
        for second in 0..<100 {
            responses += engine.receive(.unknownHost("evil.example:8443", source: "192.168.1.30", at: Self.time(Double(second))))
        }
        #expect(responses.count == 1 && responses.first?.finding.kind == .dnsRebinding && responses.first?.actions == [])
        #expect(responses.first?.finding.evidence.contains(Evidence("host", "evil.example:8443")) == true)
        engine.prune(at: Self.time(700))
        #expect(engine.receive(.unknownHost("evil.example", source: "192.168.1.30", at: Self.time(700))).count == 1)
    }

    // MARK: Risk

    @Test func riskDecaysAndKeepsItsEvidence() {
        let cause = RiskScore.Cause(kind: .messageStorm, severity: .warning, summary: "a storm", at: Self.time(0))
        let now = RiskScore.scores([(.device(lamp), cause)], halfLife: 3600, now: Self.time(0))
        #expect(now.first?.score == 30 && now.first?.causes.first?.summary == "a storm")
        let later = RiskScore.scores([(.device(lamp), cause)], halfLife: 3600, now: Self.time(3600))
        #expect(later.first?.score == 15)
        #expect(RiskScore.scores([(.device(lamp), cause)], halfLife: 3600, now: Self.time(36_000)).isEmpty)
        let capped = RiskScore.scores(
            Array(repeating: (.device(lamp), RiskScore.Cause(kind: .credentialInTwoPlaces, severity: .critical, summary: "", at: Self.time(0))), count: 3),
            halfLife: 3600, now: Self.time(0))
        #expect(capped.first?.score == 100)
    }

    @Test func settingsLeftOutKeepTheirDefaults() throws {
        let json = #"{"storm": {"floor": 50}, "zones": {"security": {"storm": {"factor": 3}}}, "containment": {"quarantineStorms": false}}"#
        let settings = try JSONDecoder().decode(DetectionSettings.self, from: Data(json.utf8))
        #expect(settings.storm.floor == 50 && settings.storm.factor == 10)
        #expect(settings.storm(in: "security").factor == 3 && settings.storm(in: "security").floor == 20)
        #expect(!settings.containment.quarantineStorms && settings.containment.rateLimitStorms)
        #expect(settings.bruteForce == BruteForceSettings())
    }

    // MARK: False positives

    /// Ten minutes of a normal household, in memory: 20 devices at their own rates (a sensor
    /// every 30 s to a meter 5 times a second), each reconnecting once and flushing a queued burst,
    /// a few app denials (a subscription beyond its scope), the owner mistyping a password twice.
    @Test func tenMinutesOfANormalHouseholdRaiseNothing() {
        var engine = DetectionEngine()
        var random = SplitMix64(seed: 22)
        let devices = (0..<20).map { _ in DeviceID() }
        let rates = devices.indices.map { index in [1.0 / 30, 0.2, 1, 2, 5][index % 5] }
        let reconnects = devices.indices.map { _ in Double.random(in: 30...570, using: &random) }
        var carried = [Double](repeating: 0, count: devices.count)
        var responses: [Response] = []
        var t = 0.0
        while t < 600 {
            t += 0.25
            for (index, device) in devices.enumerated() {
                carried[index] += rates[index] * 0.25 * Double.random(in: 0.5...1.5, using: &random)
                var messages = Int(carried[index])
                carried[index] -= Double(messages)
                // Offline for 20 s, then the queued messages in one go.
                if (reconnects[index]...reconnects[index] + 20).contains(t) { carried[index] += Double(messages); messages = 0 }
                if abs(t - reconnects[index] - 20.25) < 0.01 { messages += Int(rates[index] * 20) }
                responses += engine.receive(.traffic(TrafficSample(
                    device: device, household: household, zone: index % 2 == 0 ? "lighting" : "security", messages: messages,
                    bytes: messages * 120, interval: 0.25, at: Self.time(t))))
            }
            if t.truncatingRemainder(dividingBy: 60) == 0 {
                responses += engine.receive(.denials(
                    Suspect(.person, "ann"), household: household, zone: nil, count: 2, sample: "devices/+/telemetry/energy", at: Self.time(t)))
            }
            if t == 100 || t == 103 {
                responses += engine.receive(.authenticationFailed(.signIn, source: "192.168.1.20", target: "account:ann@example.org", at: Self.time(t)))
            }
            engine.prune(at: Self.time(t))
        }
        #expect(responses.isEmpty, "\(responses.map(\.finding.summary))")
    }
}
