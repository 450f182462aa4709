import Foundation
import HearthCore
import HearthDetection
import HearthStore
import Logging

/// Detection over several nodes (docs/scale-out.md): the hub-wide signals — guesses, refused
/// handshakes, tokens issued, devices connecting and renewing — are judged by one engine, the
/// one of the node holding the `detection` lease; the others hand theirs over through the
/// database each round. Sources are blocked in the database, and every node's listeners refuse
/// what is there.
extension DetectionService {
    /// Hands the hub-wide signals among `signals` to the judging node; returns those judged here:
    /// the others, and all of them when the database cannot take them (a node cut off still
    /// judges what reaches it).
    func handOver(_ signals: [Signal]) async -> [Signal] {
        var kept: [Signal] = []
        var handed: [HubWideSignal] = []
        for signal in signals {
            if let wide = HubWideSignal(signal) { handed.append(wide) } else { kept.append(signal) }
        }
        guard !handed.isEmpty else { return signals }
        do {
            let batch = String(decoding: try JSONEncoder().encode(handed), as: UTF8.self)
            try await alerts.store.write { [node = leases.node] db in try await db.detectionSignals.post(batch, at: db.clock.now, from: node) }
            return kept
        } catch {
            logger.warning(
                "could not hand hub-wide detection signals to the judging node; judged here",
                metadata: ["count": "\(handed.count)", "error": "\(error)"])
            return signals
        }
    }

    /// One read a round: the sources blocked in the database — a block another node decided is
    /// refused here from now on, and one an owner lifted anywhere no longer — and, for the judging
    /// node, whether other nodes handed signals over (the take is a write: made only then).
    func look(judging: Bool) async -> Bool {
        do {
            let now = clock.now
            let (blocks, waiting) = try await alerts.store.read { db in
                (try await db.sourceBlocks.active(at: now), judging ? try await db.detectionSignals.waiting() : 0)
            }
            containment.blocklist.replace(with: blocks)
            return waiting > 0
        } catch {
            logger.warning("could not read the blocked sources; the ones known are kept", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// What the other nodes handed over, oldest first; taken under the lease, so a node that lost
    /// it leaves them to the next judge.
    func takeHandedOver(under lease: Lease) async -> [Signal] {
        do {
            let taken = try await alerts.store.write { db in
                try await lease.confirm(in: db)
                return try await db.detectionSignals.take()
            }
            let decoder = JSONDecoder()
            return taken.flatMap { row -> [Signal] in
                guard let batch = try? decoder.decode([HubWideSignal].self, from: Data(row.body.utf8)) else {
                    logger.warning("detection signals handed over could not be read; skipped", metadata: ["node": "\(row.node)"])
                    return []
                }
                return batch.map(\.signal)
            }
        } catch {
            logger.warning("could not take the detection signals other nodes handed over", metadata: ["error": "\(error)"])
            return []
        }
    }
}
