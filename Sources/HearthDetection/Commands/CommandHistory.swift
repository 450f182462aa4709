import Foundation
import HearthCore

/// What a household's commands to devices of context-weighing zones (`security`) looked like:
/// who commanded which device, and how many commands each hour of the day (UTC) carried. Pure:
/// the ``CommandLedger`` keeps one behind a lock, the store keeps its counts.
public struct CommandHistory: Sendable, Hashable {
    /// One row of the history: a commander's commands to a device in one hour of the day.
    public struct Entry: Sendable, Hashable {
        public let household: HouseholdID
        /// `person:<id>` (an app acts for its person), `device:<id>`.
        public let commander: String
        public let device: DeviceID
        /// 0 … 23, UTC.
        public let hour: Int
        public var count: Int
        public var firstAt: Date

        public init(household: HouseholdID, commander: String, device: DeviceID, hour: Int, count: Int, firstAt: Date) {
            self.household = household
            self.commander = commander
            self.device = device
            self.hour = hour
            self.count = count
            self.firstAt = firstAt
        }

        var key: Key { Key(household: household, commander: commander, device: device, hour: hour) }
    }

    struct Key: Hashable, Sendable {
        let household: HouseholdID
        let commander: String
        let device: DeviceID
        let hour: Int
    }

    private struct Pair: Hashable, Sendable {
        let household: HouseholdID
        let commander: String
        let device: DeviceID
    }

    private var pairs: Set<Pair> = []
    private var hours: [HouseholdID: [Int]] = [:]
    private var since: [HouseholdID: Date] = [:]

    public init(_ entries: [Entry] = []) {
        for entry in entries { add(entry) }
    }

    public static func hour(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 3600).rounded(.down)) % 24
    }

    /// Counts `entry` in (a command seen, or rows loaded from the store).
    public mutating func add(_ entry: Entry) {
        pairs.insert(Pair(household: entry.household, commander: entry.commander, device: entry.device))
        hours[entry.household, default: Array(repeating: 0, count: 24)][entry.hour] += entry.count
        since[entry.household] = min(since[entry.household] ?? entry.firstAt, entry.firstAt)
    }

    public func isFamiliar(_ commander: String, device: DeviceID, household: HouseholdID) -> Bool {
        pairs.contains(Pair(household: household, commander: commander, device: device))
    }

    /// Whether the household commands such devices at the hour of `date`: true until there is
    /// enough history to say (``CommandSettings``).
    public func isUsualHour(_ date: Date, household: HouseholdID, _ settings: CommandSettings) -> Bool {
        guard let counts = hours[household], let since = since[household] else { return true }
        let total = counts.reduce(0, +)
        guard total >= settings.minimumCommands, date.timeIntervalSince(since) >= settings.minimumDays * 86_400 else {
            return true
        }
        let hour = Self.hour(of: date)
        let around = counts[(hour + 23) % 24] + counts[hour] + counts[(hour + 1) % 24]
        return Double(around) >= settings.usualShare * Double(total)
    }
}
