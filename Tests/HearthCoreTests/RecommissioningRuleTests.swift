import Foundation
import HearthCore
import Testing

/// One live identity per physical device: what keeps a setup secret or a serial from expecting (or
/// admitting) its device again, for every state the identity it paired as can be in.
@Suite struct RecommissioningRuleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func device(_ state: DeviceState, household: HouseholdID = HouseholdID()) throws -> Device {
        var device = try Device(householdID: household, zone: .lighting, name: "Lamp", createdAt: now)
        if state != .pending { try device.transition(to: state == .quarantined ? .active : state, at: now) }
        if state == .quarantined { try device.transition(to: .quarantined, at: now) }
        return device
    }

    @Test func anOpenExpectationHoldsAndAnExpiredOneDoesNot() {
        let open = Recommissioning.holder(usedAt: nil, expiresAt: Self.now.addingTimeInterval(60), device: nil, now: Self.now)
        #expect(open == .expected(until: Self.now.addingTimeInterval(60)))
        #expect(Recommissioning.holder(usedAt: nil, expiresAt: Self.now, device: nil, now: Self.now) == nil)
    }

    @Test(arguments: DeviceState.allCases)
    func onlyADecommissionedIdentityFreesItsDevice(state: DeviceState) throws {
        let device = try Self.device(state)
        let holder = Recommissioning.holder(usedAt: Self.now, expiresAt: Self.now, device: device, now: Self.now)
        #expect(holder == (state == .decommissioned ? nil : .inService(device)))
    }

    @Test func aVanishedIdentityHoldsNothing() {
        #expect(Recommissioning.holder(usedAt: Self.now, expiresAt: Self.now, device: nil, now: Self.now) == nil)
    }

    @Test func anotherHouseholdLearnsOnlyThatTheDeviceIsInService() throws {
        let home = HouseholdID()
        let device = try Self.device(.active, household: home)
        let own = Recommissioning.refusal(.inService(device), thing: "serial", asking: home)
        #expect(own.code == .conflict && own.reason.contains(device.id.rawValue) && own.reason.contains("decommission"))
        let other = Recommissioning.refusal(.inService(device), thing: "serial", asking: HouseholdID())
        #expect(other.code == .conflict && !other.reason.contains(device.id.rawValue))
    }
}
