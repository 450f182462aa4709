import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthStore

/// Giving a device to another household of this hub. It needs both the current owner's approval
/// and a local proof from the device — its setup secret, which only someone holding the device
/// (its label) has. Never a master key: neither an admin nor either household alone can move a
/// device.
///
/// The identity names its household (URI and CA), so a transfer does not move it: the device is
/// decommissioned in the old household, and its setup secret expects it again in the new one,
/// where it pairs as a new identity.
extension PairingService {
    public static let transferLifetime: TimeInterval = 3600

    /// The current owner approves giving `device` to `target` (for an hour).
    public func approveTransfer(
        device id: DeviceID, from household: HouseholdID, to target: HouseholdID, actor: AuditActor
    ) async throws -> DeviceTransferRecord {
        try await store.write { db in
            guard let device = try await db.devices.find(id), device.householdID == household else {
                throw HearthError(.notFound, "no device \(id) in this household")
            }
            guard device.state != .decommissioned else {
                throw HearthError(.illegalTransition, "device \(id) is decommissioned; there is nothing to transfer")
            }
            guard target != household, try await db.households.find(target) != nil else {
                throw HearthError(.notFound, "no other household \(target)")
            }
            guard try await db.pairing.expectation(device: id.rawValue) != nil else {
                throw HearthError(
                    .conflict,
                    "device \(id) paired without a setup secret, so it cannot give the local proof a transfer needs; decommission it and pair it again in the new household")
            }
            let now = db.clock.now
            let transfer = DeviceTransferRecord(
                deviceID: id.rawValue, fromHousehold: household.rawValue, toHousehold: target.rawValue,
                approvedBy: actor.description, createdAt: now, expiresAt: now.addingTimeInterval(Self.transferLifetime))
            try await db.pairing.insertTransfer(transfer)
            try await db.audit.append(AuditEvent(
                .transferApproved, actor: actor, subject: "device:\(id)", household: household,
                reason: "the owner approved giving the device to another household", details: ["to": target.rawValue]))
            return transfer
        }
    }

    /// The receiving household gives the device's setup secret: the device is decommissioned in
    /// its old household (every certificate revoked) and expected in this one, in `zone`.
    public func acceptTransfer(
        device id: DeviceID, secret: SetupSecret, household: HouseholdID, zone: Zone, name: String, actor: AuditActor
    ) async throws -> PairingExpectationRecord {
        let keys = [Self.householdKey(household)]
        try await throttle.enforce(keys, "failed transfers")
        let now = store.clock.now
        let (transfer, expectation) = try await store.read { db in
            (try await db.pairing.transfer(device: id.rawValue), try await db.pairing.expectation(device: id.rawValue))
        }
        guard let transfer, transfer.toHousehold == household.rawValue, now < transfer.expiresAt,
              let from = HouseholdID(transfer.fromHousehold), let expectation
        else { throw HearthError(.notFound, "no transfer of device \(id) to your household is waiting") }
        let stored = try pki.sealer.open(expectation.sealedKeys, name: Self.sealedName(expectation.id))
        guard constantTimeEquals(Array(secret.id.utf8), Array(expectation.id.utf8)), constantTimeEquals(stored, secret.macKeys) else {
            throw try await refuse(
                HearthError(.invalidInput, "the setup secret does not match that device"), keys: keys, actor: actor,
                subject: "device:\(id)", household: household)
        }
        let name = try Device.validatedName(name)
        let pki = self.pki
        let reopened = try await store.write { db -> PairingExpectationRecord in
            guard try await db.households.zones(of: household).contains(zone) else {
                throw HearthError(.notFound, "the household has no zone \(zone)")
            }
            let valid = try await db.pki.certificates(CertificateQuery(deviceID: id.rawValue, status: .valid, limit: Int(Int32.max)))
            _ = try await pki.revokeInTransaction(valid, reason: .affiliationChanged, actor: actor, in: db)
            _ = try await db.devices.transition(id, to: .decommissioned, at: db.clock.now)
            let until = db.clock.now.addingTimeInterval(Self.transferLifetime)
            try await db.pairing.reopenExpectation(
                id: expectation.id, household: household, zone: zone, name: name, at: db.clock.now, until: until)
            try await db.pairing.deleteTransfer(device: id.rawValue)
            for (side, reason) in [(from, "given to another household"), (household, "received from another household")] {
                try await db.audit.append(AuditEvent(
                    .deviceTransferred, actor: actor, subject: "device:\(id)", household: side, reason: reason,
                    details: ["from": from.rawValue, "to": household.rawValue, "approved_by": transfer.approvedBy]))
            }
            guard let reopened = try await db.pairing.expectation(id: expectation.id) else {
                throw HearthError(.storageUnavailable, "the reopened expectation is missing")
            }
            try await throttle.clear(Self.householdKey(household), in: db)
            return reopened
        }
        try await pki.refresh()
        return reopened
    }
}
