import struct Foundation.Date

/// When a physical device the hub knows — by its setup secret or its attested serial — may be
/// expected, or admitted, again (docs/pairing.md, "Re-commissioning").
///
/// One live identity per physical device: while the identity it paired as is in service (any
/// state but `decommissioned`), a second pairing is refused, so a copied label or a cloned
/// attestation key cannot mint a twin beside it. Decommissioning that identity frees the device,
/// which then pairs again as a new identity; the old one never returns.
public enum Recommissioning {
    /// What stands in the way of pairing the device again.
    public enum Holder: Sendable, Hashable {
        /// An unused expectation, still open until this time.
        case expected(until: Date)
        /// The identity the device paired as, not decommissioned.
        case inService(Device)
    }

    /// `usedAt` is when the device paired with this expectation (nil: not yet), `device` the
    /// identity it paired as (nil when that record is gone).
    public static func holder(usedAt: Date?, expiresAt: Date, device: Device?, now: Date) -> Holder? {
        guard usedAt != nil else { return now < expiresAt ? .expected(until: expiresAt) : nil }
        guard let device, device.state != .decommissioned else { return nil }
        return .inService(device)
    }

    /// The refusal for `holder`, for a caller of household `asking`; another household's device is
    /// not named, so its existence there does not leak beyond "in service".
    public static func refusal(_ holder: Holder, thing: String, asking: HouseholdID?) -> HearthError {
        switch holder {
        case .expected(let until):
            return HearthError(
                .conflict, "a device with this \(thing) is expected already (until \(RFC3339.format(until)))")
        case .inService(let device) where device.householdID == asking:
            return HearthError(
                .conflict,
                "this \(thing) paired as device \(device.id), which is still \(device.state.rawValue); decommission it "
                    + "first (hearth devices decommission \(device.id)) — the device then pairs again as a new identity")
        case .inService:
            return HearthError(
                .conflict,
                "a device that paired with this \(thing) is still in service; its household must decommission it before it pairs again")
        }
    }
}
