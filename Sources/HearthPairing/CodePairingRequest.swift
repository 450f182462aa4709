import Foundation
import HearthCore

/// A code-pairing request (the device-screen mode) as the device's poll sees it, with the pure
/// decision each poll makes. The caller loads it, calls ``poll(deviceNonce:at:interval:)`` and
/// saves the result in one transaction.
public struct CodePairingRequest: Sendable, Equatable {
    public enum Status: Sendable, Equatable { case pending, approved, denied }

    public let status: Status
    public let expiresAt: Date
    /// What the device committed to at the start (``CodePairing/commitment(to:)``).
    public let commitment: [UInt8]
    /// The nonce the first poll revealed; every later poll must repeat it.
    public private(set) var deviceNonce: [UInt8]?
    public private(set) var lastPollAt: Date?
    /// The hub's proof for the device, made at approval; nil until then.
    public let hubProof: [UInt8]?

    public enum Outcome: Sendable, Equatable {
        /// The request is over (deleted); the device starts again.
        case expired
        /// A later poll revealed another nonce: refused, the request kept for the real device.
        case nonceChanged
        /// The first revealed nonce does not open the commitment: the request is cancelled.
        case commitmentBroken
        /// Polled sooner than the interval allows (the poll is still recorded).
        case slowDown
        case pending
        /// The owner denied it; the request is deleted.
        case denied
        /// Approved: the device collects its certificate, and the request is deleted.
        case collect(hubProof: [UInt8])
    }

    public init(
        status: Status, expiresAt: Date, commitment: [UInt8], deviceNonce: [UInt8]?, lastPollAt: Date?, hubProof: [UInt8]?
    ) {
        self.status = status
        self.expiresAt = expiresAt
        self.commitment = commitment
        self.deviceNonce = deviceNonce
        self.lastPollAt = lastPollAt
        self.hubProof = hubProof
    }

    /// Decides a poll revealing `nonce` at `now`; `interval` is the advertised seconds between
    /// polls (half a second of slack for the device's timer).
    public mutating func poll(deviceNonce nonce: [UInt8], at now: Date, interval: Int) -> Outcome {
        guard now < expiresAt else { return .expired }
        if let revealed = deviceNonce {
            guard constantTimeEquals(revealed, nonce) else { return .nonceChanged }
        } else if !constantTimeEquals(CodePairing.commitment(to: nonce), commitment) {
            return .commitmentBroken
        }
        switch status {
        case .pending:
            let tooSoon = lastPollAt.map { now.timeIntervalSince($0) < Double(interval) - 0.5 } ?? false
            deviceNonce = nonce
            lastPollAt = now
            return tooSoon ? .slowDown : .pending
        case .denied:
            return .denied
        case .approved:
            // Approval always stores the proof; without it the request is not collectable.
            guard let hubProof else { return .pending }
            return .collect(hubProof: hubProof)
        }
    }
}
