import Foundation

/// What makes a command to a `security` device unusual. A household's hours are judged only once
/// there is enough history: before that, only an unfamiliar commander is.
public struct CommandSettings: Sendable, Hashable, Codable {
    /// Hold a command from a commander that never commanded the device (nor had one approved).
    public var holdUnfamiliar = true
    /// Hold a command at an hour (UTC; with its neighbours) that carries less than `usualShare`
    /// of the household's commands to such devices …
    public var holdUnusualHours = true
    public var usualShare: Double = 0.02
    /// … once it has at least this many commands over at least this many days.
    public var minimumCommands = 50
    public var minimumDays: Double = 7
    /// A held command is delivered only if approved within this many seconds.
    public var holdFor: TimeInterval = 300

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        holdUnfamiliar = try c.value(.holdUnfamiliar, or: d.holdUnfamiliar)
        holdUnusualHours = try c.value(.holdUnusualHours, or: d.holdUnusualHours)
        usualShare = try c.value(.usualShare, or: d.usualShare)
        minimumCommands = try c.value(.minimumCommands, or: d.minimumCommands)
        minimumDays = try c.value(.minimumDays, or: d.minimumDays)
        holdFor = try c.value(.holdFor, or: d.holdFor)
    }
}
