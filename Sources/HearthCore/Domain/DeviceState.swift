/// Where a device is in its life: `pending → active ⇄ quarantined → decommissioned`.
///
/// `decommissioned` is terminal: the identity is never reused, and a device that comes back
/// gets a new one. A pending device that is never approved can be decommissioned directly.
public enum DeviceState: String, Hashable, Sendable, Codable, CaseIterable {
    case pending
    case active
    case quarantined
    case decommissioned

    /// The states this one may move to.
    public var successors: Set<DeviceState> {
        switch self {
        case .pending: [.active, .decommissioned]
        case .active: [.quarantined, .decommissioned]
        case .quarantined: [.active, .decommissioned]
        case .decommissioned: []
        }
    }

    /// The state after moving to `next`, or a `illegal-transition` error naming both states.
    public func transition(to next: DeviceState) throws -> DeviceState {
        guard successors.contains(next) else {
            throw HearthError(
                .illegalTransition, "a device cannot go from \(rawValue) to \(next.rawValue)")
        }
        return next
    }
}
