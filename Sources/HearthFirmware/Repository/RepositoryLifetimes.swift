import Foundation

/// How long what each hub role signs stays valid, and so how often it is re-signed: at half its
/// lifetime for the timestamp and snapshot, with a quarter left for targets and root.
public struct RepositoryLifetimes: Sendable, Hashable {
    public var root: TimeInterval = 365 * 86_400
    public var targets: TimeInterval = 90 * 86_400
    public var snapshot: TimeInterval = 7 * 86_400
    public var timestamp: TimeInterval = 86_400

    public init() {}

    public func lifetime(of role: String) -> TimeInterval {
        switch role {
        case "root": root
        case "targets": targets
        case "snapshot": snapshot
        default: timestamp
        }
    }

    /// Whether metadata of `role` expiring at `expires` should be signed again at `now`.
    public func isDue(_ role: String, expires: Date, at now: Date) -> Bool {
        let share = role == "timestamp" || role == "snapshot" ? 0.5 : 0.25
        return expires.timeIntervalSince(now) <= lifetime(of: role) * share
    }
}
