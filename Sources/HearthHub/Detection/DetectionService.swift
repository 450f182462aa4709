import Foundation
import HearthBroker
import HearthCore
import HearthDetection
import HearthStore
import Logging
import ServiceLifecycle

/// The hub's detection loop: every round it drains the signals the layers posted, harvests the
/// broker's traffic meters and denials, runs them through the ``DetectionEngine``, records each
/// finding as an alert (audited) and carries out its containment; and it lifts what owners
/// acknowledged, wherever they did it (API, CLI, another node).
package struct DetectionService: Service {
    let inbox: SignalInbox
    let broker: Broker?
    let alerts: AlertService
    let containment: Containment
    let counters: DetectionCounters
    let settings: DetectionSettings
    let clock: any HearthClock
    let logger: Logger
    /// A round every quarter second: a storm is rate-limited within about a second of starting.
    static let interval: Duration = .milliseconds(250)
    /// Acknowledgements are looked for every this many rounds.
    static let acknowledgementRounds = 4

    package func run() async throws {
        var engine = DetectionEngine(settings: settings)
        var acknowledgedSince = clock.now
        var rounds = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await round(&engine)
            rounds += 1
            if rounds % Self.acknowledgementRounds == 0 { acknowledgedSince = await liftAcknowledged(since: acknowledgedSince, &engine) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
    }

    func round(_ engine: inout DetectionEngine) async {
        let drained = inbox.drain()
        var signals = drained.signals
        if let broker {
            signals += broker.harvestTraffic().map(Signal.traffic)
            signals += broker.harvestDenials()
        }
        counters.count(signals, overflow: drained.overflow)
        if drained.overflow > 0 {
            logger.warning("detection signals arrived faster than they are read; some were only counted", metadata: ["count": "\(drained.overflow)"])
        }
        for signal in signals {
            for response in engine.receive(signal) { await respond(response) }
        }
        engine.prune(at: clock.now)
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
}
