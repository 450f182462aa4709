import Foundation

/// When a hub-issued certificate was issued and when it may be renewed — one rule for the hub's
/// policy, its device list and the device SDK, so a device never asks before the hub allows.
public enum CertificateValidity {
    /// How far `notBefore` is set back from the issue time, so a device whose clock is slightly
    /// behind accepts a new certificate.
    public static let backdating: TimeInterval = 300

    /// The issue time of a certificate whose `notBefore` was back-dated (a CA younger than the
    /// back-dating clamps it, which only makes this later — the window opens later, never early).
    public static func issuedAt(notBefore: Date) -> Date { notBefore.addingTimeInterval(backdating) }

    /// The point `fraction` of the way from issue to `notAfter`. The renewal window opens at
    /// two thirds: counted from the issue time, not the back-dated `notBefore`, which would put
    /// it in the past for a certificate of a few minutes (a compressed lifetime).
    public static func point(_ fraction: Double, issuedAt: Date, notAfter: Date) -> Date {
        issuedAt.addingTimeInterval(max(0, notAfter.timeIntervalSince(issuedAt)) * fraction)
    }

    public static func renewalOpens(issuedAt: Date, notAfter: Date) -> Date {
        point(2.0 / 3, issuedAt: issuedAt, notAfter: notAfter)
    }
}
