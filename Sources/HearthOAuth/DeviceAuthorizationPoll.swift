import Foundation

/// A pending device authorization (RFC 8628 §3.4–3.5) as a device's poll sees it, with the
/// pure decision each poll makes. The caller loads it, calls ``poll(at:)``, and saves the result
/// in one transaction, so two polls cannot both read the old state.
public struct DeviceAuthorizationPoll: Sendable, Equatable {
    public enum Status: Sendable, Equatable { case pending, approved, denied }

    public let status: Status
    public let expiresAt: Date
    /// Seconds the device must wait between polls; grows by 5 at each `slow_down` (§3.5).
    public private(set) var interval: Int
    public private(set) var lastPollAt: Date?

    public enum Outcome: Sendable, Equatable {
        /// `expired_token`: the request is over; start again.
        case expired
        /// `slow_down`: polled before the interval passed; the interval is now longer.
        case slowDown(interval: Int)
        /// `authorization_pending`.
        case pending
        /// `access_denied`: the request is deleted.
        case denied
        /// The person approved: issue the tokens, deleting the request in the same transaction.
        case approved
    }

    public init(status: Status, expiresAt: Date, interval: Int, lastPollAt: Date?) {
        self.status = status
        self.expiresAt = expiresAt
        self.interval = interval
        self.lastPollAt = lastPollAt
    }

    /// Decides a poll at `now` and records it (``lastPollAt``, and ``interval`` on `slow_down`).
    public mutating func poll(at now: Date) -> Outcome {
        guard expiresAt > now else { return .expired }
        if let last = lastPollAt, now.timeIntervalSince(last) < TimeInterval(interval) {
            interval += 5
            lastPollAt = now
            return .slowDown(interval: interval)
        }
        lastPollAt = now
        switch status {
        case .pending: return .pending
        case .denied: return .denied
        case .approved: return .approved
        }
    }
}
