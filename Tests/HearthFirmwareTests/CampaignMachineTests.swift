import Foundation
import HearthFirmware
import Testing

/// Staged rollouts as a state machine, in memory (docs/firmware.md, "Rollouts"): 50 devices in
/// cohorts of 10 % → 50 % → 100 %; a cohort where 20 % fail halts the campaign and goes back; the
/// devices of other cohorts are never touched; a healthy campaign completes.
@Suite struct CampaignMachineTests {
    let start = Date(timeIntervalSince1970: 1_900_000_000)
    let fleet = Dictionary(uniqueKeysWithValues: (0..<50).map { (String(format: "device-%02d", $0), "1.0") })

    func plan(securityVersions: (Int64, Int64) = (1, 1), override: Bool = false) throws -> CampaignPlan {
        try CampaignPlan(
            model: "lamp-x", target: .init(version: "1.1", securityVersion: securityVersions.1, path: "lamp-x/1.1.bin", sha256: "b"),
            previous: .init(version: "1.0", securityVersion: securityVersions.0, path: "lamp-x/1.0.bin", sha256: "a"),
            cohorts: [10, 50, 100], soak: 600, gate: 300, maximumReconnects: 3, failureThreshold: 0.1, rollbackOverride: override)
    }

    /// The devices a list of actions offers the target to.
    func offered(_ actions: [CampaignMachine.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            if case .offer(let devices, _) = action { return devices }
            return []
        }
    }

    @Test func cohortsGrowAfterEachSoakAndTheCampaignCompletes() throws {
        var machine = CampaignMachine(plan: try plan(), id: "c1", devices: fleet, at: start)
        var now = start
        var sizes: [Int] = []
        var actions = machine.start(at: now)
        while true {
            let devices = offered(actions)
            if !devices.isEmpty { sizes.append(devices.count) }
            for device in devices {
                _ = machine.connected(device, at: now + 5)
                _ = machine.reported(device, version: "1.1", at: now + 10)
            }
            now += 60
            actions = machine.tick(at: now)
            if machine.phase == .completed { break }
            if case .soaking = machine.phase { now += 600; actions = machine.tick(at: now) }
            if machine.phase == .completed || now > start + 86_400 { break }
        }
        #expect(sizes == [5, 20, 25], "cohorts of 10 %, 50 % and 100 % of 50")
        #expect(machine.phase == .completed)
        #expect(machine.counts == ["updated": 50])
    }

    @Test func aCohortWhereOneInFiveFailsHaltsAndGoesBackLeavingTheOthersAlone() throws {
        var machine = CampaignMachine(plan: try plan(), id: "c2", devices: fleet, at: start)
        var now = start
        let first = offered(machine.start(at: now))
        for device in first { _ = machine.reported(device, version: "1.1", at: now + 10) }
        now += 60
        _ = machine.tick(at: now)
        now += 600
        let second = offered(machine.tick(at: now))
        #expect(second.count == 20)
        // 20 % of the second cohort fail: two never report, two reconnect in a loop.
        let silent = Array(second.prefix(2)), looping = Array(second.dropFirst(2).prefix(2))
        var failures: [String] = []
        for device in second.dropFirst(4) { _ = machine.reported(device, version: "1.1", at: now + 20) }
        for device in looping {
            for attempt in 1...4 {
                for action in machine.connected(device, at: now + Double(attempt)) {
                    if case .deviceFailed(let id, _) = action { failures.append(id) }
                }
            }
        }
        #expect(failures == looping, "the fourth connection within the gate is a crash loop")
        #expect(machine.tick(at: now + 100).isEmpty, "still within the gate for the silent ones")
        let judged = machine.tick(at: now + 300)
        #expect(judged.contains { if case .deviceFailed(let id, _) = $0 { silent.contains(id) } else { false } })
        guard case .halted(let reason) = machine.phase else { Issue.record("not halted: \(machine.phase)"); return }
        #expect(reason.contains("4 of 20"), "\(reason)")
        let rolledBack = judged.flatMap { action -> [String] in
            if case .rollBack(let devices, let release) = action, release.version == "1.0" { return devices }
            return []
        }
        #expect(Set(rolledBack) == Set(second), "the whole failed cohort goes back, and nothing else")
        #expect(machine.offer(for: second[5])?.version == "1.0")
        // The first cohort keeps 1.1; the third was never offered anything.
        let untouched = fleet.keys.filter { !first.contains($0) && !second.contains($0) }
        #expect(untouched.count == 25 && untouched.allSatisfy { machine.offer(for: $0) == nil && machine.devices[$0]?.state == .waiting })
        #expect(first.allSatisfy { if case .updated = machine.devices[$0]?.state { true } else { false } })
        #expect(machine.tick(at: now + 10_000).isEmpty, "a halted campaign does nothing more")
    }

    @Test func noRollbackToALowerSecurityVersionWithoutTheOverride() throws {
        for override in [false, true] {
            var machine = CampaignMachine(plan: try plan(securityVersions: (1, 2), override: override), id: "c3", devices: fleet, at: start)
            let first = offered(machine.start(at: start))
            _ = first.map { machine.connected($0, at: start) }
            let actions = machine.tick(at: start + 300)
            #expect(actions.contains { if case .halt = $0 { true } else { false } })
            let rolledBack = actions.contains { if case .rollBack = $0 { true } else { false } }
            #expect(rolledBack == override, "override \(override)")
        }
    }

    @Test func badPlansAreRefused() {
        let release = CampaignPlan.Release(version: "1", securityVersion: 1, path: "m/1", sha256: "a")
        for cohorts in [[], [50], [25, 10, 100], [0, 100], [50, 150]] as [[Double]] {
            #expect(throws: TUFError.self) { try CampaignPlan(model: "m", target: release, previous: nil, cohorts: cohorts) }
        }
        #expect(throws: TUFError.self) { try CampaignPlan(model: "m", target: release, previous: nil, failureThreshold: 1) }
    }
}
