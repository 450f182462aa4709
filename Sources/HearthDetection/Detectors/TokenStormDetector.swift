import Foundation
import HearthCore

/// Access tokens minted per OAuth client in whole minutes: a minute with more than
/// max(`floor`, `factor` × the client's usual per minute) is a token storm — a buggy app
/// hammering the token endpoint, or a stolen client credential in use. The usual rate learns only
/// from calm minutes. One alert per storm; nothing is revoked (an owner decides).
struct TokenStormDetector: Sendable {
    struct ClientRate: Sendable {
        var baseline: Double = 0
        var minute: Int
        var count = 0
        var storming = false
    }

    private var clients: [String: ClientRate] = [:]

    /// Every remembered client's usual tokens a minute.
    func baselines() -> [String: Double] { clients.mapValues(\.baseline) }

    /// A stored baseline for a client not heard of since the start.
    mutating func restore(_ client: String, baseline: Double, at now: Date) {
        guard clients[client] == nil, baseline.isFinite, baseline >= 0 else { return }
        clients[client] = ClientRate(baseline: baseline, minute: Int(now.timeIntervalSince1970 / 60))
    }

    mutating func issued(client: String, household: HouseholdID, at now: Date, _ limits: TokenStormSettings) -> [Response] {
        let minute = Int(now.timeIntervalSince1970 / 60)
        var rate = clients[client] ?? ClientRate(minute: minute)
        defer { clients[client] = rate }
        if minute != rate.minute {
            close(&rate, through: minute, limits)
        }
        rate.count += 1
        let threshold = max(limits.floor, limits.factor * rate.baseline)
        guard !rate.storming, Double(rate.count) > threshold else { return [] }
        rate.storming = true
        return [Response(finding: Finding(
            kind: .tokenStorm, suspect: Suspect(.app, client), household: household, severity: .warning,
            summary: "client \(client) was issued more than \(Int(threshold)) access tokens within a minute (usually \(String(format: "%.1f", rate.baseline)) a minute)",
            evidence: [
                Evidence("client", client), Evidence("tokens-this-minute", "\(rate.count)"),
                Evidence("usual-per-minute", String(format: "%.2f", rate.baseline)),
            ],
            at: now), actions: [])]
    }

    /// Ends the minutes up to `minute`: calm ones (and the empty ones between) teach the baseline.
    private func close(_ rate: inout ClientRate, through minute: Int, _ limits: TokenStormSettings) {
        let weight = 1 - exp(-60 * log(2) / limits.baselineHalfLife)
        if !rate.storming { rate.baseline += weight * (Double(rate.count) - rate.baseline) }
        let empty = min(max(0, minute - rate.minute - 1), 10_000)
        rate.baseline *= pow(1 - weight, Double(empty))
        rate.minute = minute
        rate.count = 0
        rate.storming = false
    }

    mutating func prune(at now: Date) {
        let minute = Int(now.timeIntervalSince1970 / 60)
        clients = clients.filter { minute - $0.value.minute < 24 * 60 }
    }
}
