import Foundation
import HearthCore
import Synchronization

/// When each device connected to this process's broker, for the last day: what a rollout's gate
/// counts to tell a device that crash-loops after an update (docs/firmware.md, "Rollouts").
/// Per process: on PostgreSQL with several nodes, a device is counted by the node it connects to.
package final class ConnectionTally: Sendable {
    private let connections = Mutex<[DeviceID: [Date]]>([:])
    static let memory: TimeInterval = 86_400

    package init() {}

    package func record(_ device: DeviceID, at time: Date) {
        connections.withLock { all in
            var times = all[device, default: []].filter { time.timeIntervalSince($0) < Self.memory }
            times.append(time)
            all[device] = times
        }
    }

    package func count(_ device: DeviceID, since time: Date) -> Int {
        connections.withLock { $0[device]?.filter { $0 >= time }.count ?? 0 }
    }
}
