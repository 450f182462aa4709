import Foundation
import HearthCore
import Testing

@Suite struct DeviceLifecycleTests {
    static let allowed: Set<[DeviceState]> = [
        [.pending, .active], [.pending, .decommissioned],
        [.active, .quarantined], [.active, .decommissioned],
        [.quarantined, .active], [.quarantined, .decommissioned],
    ]

    @Test(arguments: DeviceState.allCases, DeviceState.allCases)
    func transitionTable(from: DeviceState, to: DeviceState) throws {
        if Self.allowed.contains([from, to]) {
            #expect(try from.transition(to: to) == to)
        } else {
            let error = #expect(throws: HearthError.self) { try from.transition(to: to) }
            #expect(error?.code == .illegalTransition)
            #expect(error?.reason == "a device cannot go from \(from.rawValue) to \(to.rawValue)")
        }
    }

    @Test func refusedTransitionLeavesTheDeviceAsItWas() throws {
        let start = Date(timeIntervalSince1970: 1_000)
        var device = try Device(householdID: HouseholdID(), zone: .lighting, name: "Lamp", createdAt: start)
        try device.transition(to: .active, at: start.addingTimeInterval(1))
        try device.transition(to: .decommissioned, at: start.addingTimeInterval(2))
        let before = device
        #expect(throws: HearthError.self) { try device.transition(to: .active, at: start.addingTimeInterval(3)) }
        #expect(device == before)
        #expect(device.updatedAt == start.addingTimeInterval(2))
    }
}
