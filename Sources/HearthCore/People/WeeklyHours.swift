import Foundation

/// Recurring hours in a time zone, such as "Monday to Friday, 09:00–12:00, Europe/Paris": when a
/// guest's access is open within its period. Hours do not cross midnight (a night shift is two
/// days' worth of hours, and nobody asked for one yet).
public struct WeeklyHours: Hashable, Sendable {
    /// ISO weekdays: 1 is Monday, 7 is Sunday.
    public let days: Set<Int>
    /// Minutes after local midnight; `opens < closes`.
    public let opens: Int
    public let closes: Int
    /// An IANA time zone name (`Europe/Paris`, `UTC`).
    public let timeZone: String
    private let calendar: Calendar

    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    public init(days: Set<Int>, opens: Int, closes: Int, timeZone: String) throws {
        guard !days.isEmpty, days.allSatisfy((1...7).contains) else {
            throw HearthError(.invalidInput, "the days are one or more of mon, tue, wed, thu, fri, sat, sun")
        }
        guard (0..<1440).contains(opens), (1...1440).contains(closes), opens < closes else {
            throw HearthError(.invalidInput, "the hours open before they close, within one day (00:00–24:00)")
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw HearthError(.invalidInput, "'\(timeZone.prefix(64))' is not a time zone name such as Europe/Paris or UTC")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.days = days
        self.opens = opens
        self.closes = closes
        self.timeZone = timeZone
        self.calendar = calendar
    }

    /// Parses the text forms people type: days as `mon-fri` or `sat,sun`, hours as `09:00-12:00`.
    public init(days dayText: String, hours: String, timeZone: String) throws {
        let (opens, closes) = try Self.parseHours(hours)
        try self.init(days: try Self.parseDays(dayText), opens: opens, closes: closes, timeZone: timeZone)
    }

    public var daysText: String {
        days.sorted().map { Self.dayNames[$0 - 1] }.joined(separator: ",")
    }

    public var hoursText: String { Self.clock(opens) + "-" + Self.clock(closes) }

    /// Whether `date` falls within the hours.
    public func contains(_ date: Date) -> Bool {
        let (day, minute) = local(date)
        return days.contains(day) && (opens..<closes).contains(minute)
    }

    /// When the hours containing `date` close; nil when `date` is outside them.
    public func closing(after date: Date) -> Date? {
        guard contains(date) else { return nil }
        let midnight = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .minute, value: closes, to: midnight)
    }

    private func local(_ date: Date) -> (isoDay: Int, minute: Int) {
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Gregorian weekday: 1 is Sunday.
        let isoDay = ((parts.weekday ?? 1) + 5) % 7 + 1
        return (isoDay, (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    static func parseDays(_ text: String) throws -> Set<Int> {
        let bad = HearthError(.invalidInput, "days are written like mon-fri or sat,sun")
        var days: Set<Int> = []
        for part in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count),
                  let first = dayNames.firstIndex(of: String(ends[0])), let last = dayNames.firstIndex(of: String(ends[ends.count - 1])),
                  first <= last
            else { throw bad }
            days.formUnion((first + 1)...(last + 1))
        }
        return days
    }

    static func parseHours(_ text: String) throws -> (opens: Int, closes: Int) {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let opens = minutes(ends[0]), let closes = minutes(ends[1]) else {
            throw HearthError(.invalidInput, "hours are written like 09:00-12:00")
        }
        return (opens, closes)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute),
              hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }

    private static func clock(_ minutes: Int) -> String {
        let hour = minutes / 60, minute = minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func == (lhs: WeeklyHours, rhs: WeeklyHours) -> Bool {
        lhs.days == rhs.days && lhs.opens == rhs.opens && lhs.closes == rhs.closes && lhs.timeZone == rhs.timeZone
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(days)
        hasher.combine(opens)
        hasher.combine(closes)
        hasher.combine(timeZone)
    }
}
