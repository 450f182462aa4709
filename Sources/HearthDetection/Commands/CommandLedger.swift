import Foundation
import HearthCore
import Synchronization

/// The command history as the broker reads it on each command to a `security` device (one lock,
/// no I/O), and as the hub teaches it: commands let through, owners' approvals, the rows stored
/// by earlier runs or other nodes. What is learned here is kept for the store, which the
/// detection service writes each round — per window, never per command — and the risk scores
/// of commanders, which it refreshes.
public final class CommandLedger: Sendable {
    public let settings: CommandSettings
    private struct State {
        var history = CommandHistory()
        var unsaved: [CommandHistory.Key: CommandHistory.Entry] = [:]
        var risk: [String: Double] = [:]
    }
    private let state = Mutex(State())

    public init(settings: CommandSettings = CommandSettings()) {
        self.settings = settings
    }

    /// What the policy weighs for `commander`'s command to `device` now.
    public func context(commander: String, device: DeviceID, household: HouseholdID, at now: Date) -> CommandContext {
        state.withLock { state in
            CommandContext(
                familiar: !settings.holdUnfamiliar || state.history.isFamiliar(commander, device: device, household: household),
                usualHour: !settings.holdUnusualHours || state.history.isUsualHour(now, household: household, settings),
                risk: state.risk[commander] ?? 0)
        }
    }

    /// A command that went through (or was approved): the pair is familiar from now on.
    public func learn(commander: String, device: DeviceID, household: HouseholdID, at now: Date) {
        let entry = CommandHistory.Entry(
            household: household, commander: commander, device: device, hour: CommandHistory.hour(of: now), count: 1,
            firstAt: now)
        state.withLock { state in
            state.history.add(entry)
            state.unsaved[entry.key, default: CommandHistory.Entry(
                household: household, commander: commander, device: device, hour: entry.hour, count: 0, firstAt: now)].count += 1
        }
    }

    /// Rows from the store (earlier runs, other nodes). Replaces what was loaded before; what
    /// this process learned and has not saved yet is kept on top.
    public func load(_ entries: [CommandHistory.Entry]) {
        state.withLock { state in
            var history = CommandHistory(entries)
            for entry in state.unsaved.values { history.add(entry) }
            state.history = history
        }
    }

    /// What was learned since the last call, for the store (counts to add).
    public func takeUnsaved() -> [CommandHistory.Entry] {
        state.withLock { state in
            defer { state.unsaved = [:] }
            return Array(state.unsaved.values)
        }
    }

    /// Current risk scores by suspect (`person:<id>`, `device:<id>`).
    public func setRisk(_ scores: [String: Double]) {
        state.withLock { $0.risk = scores }
    }
}
