import Foundation
import HearthCore

/// A renewal from an address the device was never seen at: the addresses each device connected
/// to the broker from, or renewed from, are remembered (the latest few); a renewal from one not
/// among them is reported. A stolen certificate renewed elsewhere gets the thief a fresh one of
/// their own, so this is worth an owner's look — but devices do move (a DHCP lease, another
/// access point), so it is a warning and nothing is contained. A device with no address seen yet
/// (a hub restarted, a device that only renews) teaches its first one.
struct DeviceAddressDetector: Sendable {
    /// Addresses kept per device, newest last.
    static let remembered = 8
    private var seen: [DeviceID: [String]] = [:]

    mutating func connected(_ device: DeviceID, from address: String) {
        remember(address, for: device)
    }

    mutating func renewed(_ device: DeviceID, household: HouseholdID, from address: String, at now: Date) -> [Response] {
        let known = seen[device] ?? []
        remember(address, for: device)
        guard !known.isEmpty, !known.contains(address) else { return [] }
        return [Response(finding: Finding(
            kind: .renewalFromNewAddress, suspect: .device(device), household: household, severity: .warning,
            summary: "device \(device) renewed its certificate from \(address), an address it was never seen at",
            evidence: [Evidence("source", address), Evidence("addresses", known.joined(separator: " "))],
            at: now), actions: [])]
    }

    private mutating func remember(_ address: String, for device: DeviceID) {
        var addresses = seen[device] ?? []
        addresses.removeAll { $0 == address }
        addresses.append(address)
        seen[device] = Array(addresses.suffix(Self.remembered))
    }
}
