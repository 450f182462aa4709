import Foundation
import HearthCore
import HearthDetection
import HearthPrivacy
import Synchronization

/// Telemetry flows whose declaration states a rate (docs/privacy.md, `rate`): what each device
/// offered on them since detection last looked, and the flows detection limited to that rate
/// (docs/detection.md). Asked by the privacy gate for every message of such a flow, on the
/// broker's hot path: memory only. A limit lives in this process, like a device's rate limit.
package final class DeclaredRates: Sendable {
    package struct Key: Hashable, Sendable {
        package let household: HouseholdID
        package let device: DeviceID
        package let flow: String

        package init(household: HouseholdID, device: DeviceID, flow: String) {
            self.household = household
            self.device = device
            self.flow = flow
        }
    }

    private struct Entry {
        var rate: FlowRate
        var offered = 0
        var refused = 0
        /// Set while limited: what the flow may still send (up to one declared period's worth),
        /// refilled at the declared rate.
        var allowance: TokenBucket?
    }

    private let state = Mutex<(entries: [Key: Entry], harvestedAt: Date?)>(([:], nil))

    /// Counts a message offered on the flow; false when the flow is limited and the message is
    /// beyond its declared rate.
    package func admit(_ key: Key, rate: FlowRate, at time: Date) -> Bool {
        state.withLock { state in
            var entry = state.entries[key] ?? Entry(rate: rate)
            entry.rate = rate
            entry.offered += 1
            defer { state.entries[key] = entry }
            guard entry.allowance?.take(at: time) ?? true else {
                entry.refused += 1
                return false
            }
            return true
        }
    }

    /// What each flow offered since the last harvest, as detection's signals; a limited flow
    /// every time (its calm is a finding too). Flows neither heard from nor limited are dropped.
    package func harvest(at now: Date) -> [FlowTrafficSample] {
        state.withLock { state in
            defer { state.harvestedAt = now }
            guard let last = state.harvestedAt, now > last else {
                // The first look: counting starts now.
                for key in state.entries.keys { state.entries[key]?.offered = 0; state.entries[key]?.refused = 0 }
                return []
            }
            var samples: [FlowTrafficSample] = []
            for (key, entry) in state.entries {
                guard entry.offered > 0 || entry.allowance != nil else {
                    state.entries[key] = nil
                    continue
                }
                samples.append(FlowTrafficSample(
                    device: key.device, household: key.household, flow: key.flow, messages: entry.offered, refused: entry.refused, count: entry.rate.count,
                    period: TimeInterval(entry.rate.periodSeconds), declared: entry.rate.text, interval: now.timeIntervalSince(last),
                    at: now))
                state.entries[key]?.offered = 0
                state.entries[key]?.refused = 0
            }
            return samples
        }
    }

    /// Refuses the flow's messages beyond its declared rate from now (a flow detection found
    /// storming was counted here, so it is known).
    package func limit(_ key: Key, at time: Date) {
        state.withLock { state in
            guard let rate = state.entries[key]?.rate else { return }
            state.entries[key]?.allowance = TokenBucket(capacity: Double(rate.count), perSecond: rate.perSecond, at: time)
        }
    }

    package func lift(_ key: Key) {
        state.withLock { $0.entries[key]?.allowance = nil }
    }

    /// Lifts every limit on the device's flows (an owner acknowledged its storm).
    package func lift(device: DeviceID) {
        state.withLock { state in
            for key in state.entries.keys where key.device == device { state.entries[key]?.allowance = nil }
        }
    }

    /// Whether the flow is limited now.
    package func isLimited(_ key: Key) -> Bool { state.withLock { $0.entries[key]?.allowance != nil } }
}
