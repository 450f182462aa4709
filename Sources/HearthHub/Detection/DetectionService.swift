import Foundation
import HearthBroker
import HearthCore
import HearthDetection
import HearthStore
import Logging
import ServiceLifecycle

/// The hub's detection loop: every round it drains the signals the layers posted, harvests the
/// broker's traffic meters and denials and the privacy gate's declared-rate counts, runs them through the ``DetectionEngine``, records each
/// finding as an alert (audited) and carries out its containment; and it lifts what owners
/// acknowledged, wherever they did it (API, CLI, another node).
package struct DetectionService: Service {
    let inbox: SignalInbox
    let broker: Broker?
    /// The privacy gate's counts of flows with a declared rate (nil without a broker).
    let declaredRates: DeclaredRates?
    let alerts: AlertService
    let containment: Containment
    let counters: DetectionCounters
    let settings: DetectionSettings
    let clock: any HearthClock
    let logger: Logger
    /// Reads every active device's newest certificate (the device lifecycle's view).
    let lifecycle: DeviceLifecycle
    /// The command history the broker weighs: stored each round it changed, reloaded (other
    /// nodes' learning) and given fresh risk scores every minute and after each alert.
    let commands: CommandLedger?
    /// Whose engine judges the hub-wide signals (docs/scale-out.md): the holder of ``leaseName``.
    let leases: NodeLeases
    /// The lease of the node judging the hub-wide signals; the others hand theirs over.
    static let leaseName = "detection"
    /// A round every quarter second: a storm is rate-limited within about a second of starting.
    static let interval: Duration = .milliseconds(250)
    /// Acknowledgements are looked for every this many rounds.
    static let acknowledgementRounds = 4
    /// Every device's certificate is looked at every this many rounds (a minute; not at start).
    static let certificateRounds = 240

    package func run() async throws {
        var engine = DetectionEngine(settings: settings)
        var acknowledgedSince = clock.now
        var rounds = 0
        // Only a process that has raised an alert can have something of it in force to lift.
        var raised = false
        if commands != nil { await refreshCommandContext() }
        await restoreBaselines(&engine)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let raisedNow = await round(&engine)
            raised = raisedNow || raised
            rounds += 1
            if raised, rounds % Self.acknowledgementRounds == 0 {
                acknowledgedSince = await liftAcknowledged(since: acknowledgedSince, &engine)
                await deliverApprovedCommands()
            }
            if rounds % Self.certificateRounds == 0 {
                let judging = await leases.holding(Self.leaseName) != nil
                // Once per certificate hub-wide: looked at by the judging node only.
                if judging { await lookAtCertificates(stuckAfter: settings.stuckAfter) }
                await saveBaselines(engine.learnedBaselines(), judging: judging)
            }
            if commands != nil {
                await saveCommandHistory()
                if raisedNow || rounds % Self.certificateRounds == 0 { await refreshCommandContext() }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
        await saveCommandHistory()
        await saveBaselines(engine.learnedBaselines(), judging: await leases.holding(Self.leaseName) != nil)
    }

    /// Baselines not written for this long are not restored, and are removed.
    static let baselineMemory: TimeInterval = 7 * 86_400

    /// Starts the engine from the baselines stored by this process before a restart, or by
    /// another node.
    func restoreBaselines(_ engine: inout DetectionEngine) async {
        let now = clock.now
        do {
            let rates = try await alerts.store.read { db in try await db.baselines.rates(since: now.addingTimeInterval(-Self.baselineMemory)) }
            var baselines = LearnedBaselines()
            for (subject, rate) in rates {
                if subject.hasPrefix("device:"), let device = DeviceID(String(subject.dropFirst("device:".count))) {
                    baselines.devices[device] = rate
                } else if subject.hasPrefix("client:") {
                    baselines.clients[String(subject.dropFirst("client:".count))] = rate
                }
            }
            engine.restore(baselines, at: now)
        } catch {
            logger.warning("could not read the learned baselines", metadata: ["error": "\(error)"])
        }
    }

    /// Stores what the engine learned (every minute, and at the end): the devices' rates, learned
    /// where their household's MQTT is served, and — on the judging node, which sees every token
    /// issued — the clients'.
    func saveBaselines(_ baselines: LearnedBaselines, judging: Bool) async {
        let now = clock.now
        let clients = judging ? baselines.clients.map { ("client:\($0.key)", $0.value) } : []
        let rates = Dictionary(baselines.devices.map { ("device:\($0.key.rawValue)", $0.value) } + clients, uniquingKeysWith: max)
        do {
            try await alerts.store.write { db in
                try await db.baselines.save(rates, at: now)
                try await db.baselines.delete(before: now.addingTimeInterval(-Self.baselineMemory))
            }
        } catch {
            logger.warning("could not store the learned baselines", metadata: ["error": "\(error)"])
        }
    }

    /// One round; whether it raised an alert.
    func round(_ engine: inout DetectionEngine) async -> Bool {
        let drained = inbox.drain()
        var signals = drained.signals
        if let broker {
            signals += broker.harvestTraffic().map(Signal.traffic)
            signals += broker.harvestDenials()
        }
        signals += declaredRates?.harvest(at: clock.now).map(Signal.flowTraffic) ?? []
        counters.count(signals, overflow: drained.overflow)
        if drained.overflow > 0 {
            logger.warning("detection signals arrived faster than they are read; some were only counted", metadata: ["count": "\(drained.overflow)"])
        }
        let lease = await leases.holding(Self.leaseName)
        if lease == nil { signals = await handOver(signals) }
        if await look(judging: lease != nil), let lease { signals = await takeHandedOver(under: lease) + signals }
        var raised = false
        for signal in signals {
            for response in engine.receive(signal) {
                await respond(response)
                raised = true
            }
        }
        engine.prune(at: clock.now)
        return raised
    }

    /// In-memory containment first (it is the fastest), then the alert and its audit entry, then
    /// what is recorded — which names the alert.
    func respond(_ response: Response) async {
        counters.count(response)
        for action in response.actions where Containment.isImmediate(action) { containment.applyNow(action) }
        let alert: Alert
        do {
            alert = try await alerts.record(response, actions: response.actions.map(\.summary))
        } catch {
            logger.error("could not record an alert", metadata: ["finding": "\(response.finding.summary)", "error": "\(error)"])
            return
        }
        if let household = alert.household, let payload = try? alert.json() {
            broker?.publishAlert(payload, household: household)
        }
        logger.notice(
            "detection raised an alert",
            metadata: ["alert": "\(alert.id)", "kind": "\(alert.kind.rawValue)", "suspect": "\(alert.suspect)", "summary": "\(response.finding.summary)"])
        for action in response.actions where !Containment.isImmediate(action) {
            do {
                try await containment.apply(action, alert: alert.id)
            } catch {
                logger.error("containment failed", metadata: ["alert": "\(alert.id)", "action": "\(action.name)", "error": "\(error)"])
            }
        }
    }

    /// Signals every active device whose newest certificate, valid and not renewed, has used
    /// `stuckAfter` of its lifetime; the engine reports each certificate once.
    func lookAtCertificates(stuckAfter: Double) async {
        let now = clock.now
        do {
            for household in try await lifecycle.pki.store.read({ db in try await db.households.all() }) where household.state == .active {
                for status in try await lifecycle.list(household: household.id) where status.device.state == .active {
                    guard let certificate = status.certificate, status.certificateStatus == "valid" else { continue }
                    let lifetime = certificate.notAfter.timeIntervalSince(certificate.notBefore)
                    guard lifetime > 0 else { continue }
                    let used = now.timeIntervalSince(certificate.notBefore) / lifetime
                    guard used >= stuckAfter else { continue }
                    inbox.post(.certificateAging(
                        status.device.id, household: household.id, serial: certificate.serial, notAfter: certificate.notAfter,
                        lifetimeUsed: used, at: now))
                }
            }
        } catch {
            logger.warning("could not look at the devices' certificates", metadata: ["error": "\(error)"])
        }
    }

    /// Lifts what alerts acknowledged since `time` left in force here; returns where to look from next.
    func liftAcknowledged(since time: Date, _ engine: inout DetectionEngine) async -> Date {
        let now = clock.now
        do {
            let acknowledged = try await alerts.acknowledged(since: time)
            for alert in acknowledged {
                containment.lift(alert)
                if let suspect = Suspect(alert.suspect) { engine.forget(suspect) }
            }
            return now
        } catch {
            logger.warning("could not read acknowledged alerts", metadata: ["error": "\(error)"])
            return time
        }
    }

    /// Commands an owner approved elsewhere (the command line, another node) that wait for a broker.
    func deliverApprovedCommands() async {
        do {
            try await containment.held.deliverApproved()
        } catch {
            logger.warning("could not deliver approved commands", metadata: ["error": "\(error)"])
        }
    }

    /// What the broker learned about commands since the last round, added to the stored counts.
    func saveCommandHistory() async {
        guard let unsaved = commands?.takeUnsaved(), !unsaved.isEmpty else { return }
        let now = clock.now
        do {
            try await alerts.store.write { db in
                for entry in unsaved {
                    try await db.commands.add(CommandRecords.HistoryRow(
                        household: entry.household, commander: entry.commander, device: entry.device, hour: entry.hour,
                        count: entry.count, firstAt: entry.firstAt), at: now)
                }
            }
        } catch {
            logger.warning("could not store the command history", metadata: ["error": "\(error)"])
        }
    }

    /// The stored command history (every node's) and every suspect's risk score, for the broker.
    func refreshCommandContext() async {
        guard let commands else { return }
        do {
            let rows = try await alerts.store.read { db in try await db.commands.history() }
            commands.load(rows.map {
                CommandHistory.Entry(
                    household: $0.household, commander: $0.commander, device: $0.device, hour: $0.hour, count: $0.count,
                    firstAt: $0.firstAt)
            })
            let scores = try await alerts.riskEverywhere()
            commands.setRisk(Dictionary(scores.map { ($0.suspect.description, Double($0.score)) }, uniquingKeysWith: max))
        } catch {
            logger.warning("could not read the command history or risk scores", metadata: ["error": "\(error)"])
        }
    }
}
