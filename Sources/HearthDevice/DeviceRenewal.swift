import Foundation
import HearthCore
import Logging
import X509

/// What a renewal did.
public struct DeviceRenewalOutcome: Sendable, Hashable {
    /// False when the certificate was not due and nothing was asked.
    public let renewed: Bool
    /// The certificate the device holds now.
    public let certificate: DeviceCertificateInfo
}

extension VirtualDevice {
    /// Renews when the record says it is time (two thirds into the certificate's life, or at once
    /// after pairing) by the device's clock, corrected by what the hub's last answer said of its
    /// own; otherwise asks nothing.
    public func renewIfDue() async throws -> DeviceRenewalOutcome {
        let paired = try paired()
        let now = paired.record.hubTime(at: clock.now)
        guard now >= paired.record.renewAfter else {
            return DeviceRenewalOutcome(
                renewed: false, certificate: DeviceCertificateInfo(paired.chain, renewAfter: paired.record.renewAfter))
        }
        return try await renew(paired)
    }

    /// Renews now with a new key, over mutual TLS with the current certificate, trusting only the
    /// pinned root. Network errors and 5xx are retried with ``backoff`` — past its attempts while
    /// the certificate stays valid (``whileValid(_:from:clock:)``); a refusal (4xx) is thrown as a
    /// ``HubProblem`` and changes nothing but the pending key.
    public func renew() async throws -> DeviceRenewalOutcome { try await renew(try paired()) }

    /// Rekeys now, before the renewal window, because the current key may have leaked. The hub
    /// allows it once an hour per device and audits it (`certificate.rekeyed`); the old
    /// certificate is superseded as soon as the new one is used.
    public func rekeyAfterSuspectedLeak() async throws -> DeviceRenewalOutcome {
        try await renew(try paired(), path: "/v1/certificates/renew?reason=key-compromise")
    }

    /// How far the hub's clock is ahead of the device's, read from a certificate it just issued:
    /// its `notBefore` is the hub's time back-dated by ``CertificateValidity/backdating``. Under two
    /// seconds is the certificate's whole-second rounding and the answer's travel: nil.
    static func clockOffset(issuedAt notBefore: Date, receivedAt local: Date) -> TimeInterval? {
        let offset = CertificateValidity.issuedAt(notBefore: notBefore).timeIntervalSince(local)
        return abs(offset) < 2 ? nil : offset
    }

    /// How long before its end a certificate is no longer worth a renewal's retry: the last try
    /// needs a handshake with it and an answer.
    static let lastRetryMargin: TimeInterval = 30

    /// A renewal turned away (the hub shedding a storm, a full line, a network gone for a while) is
    /// retried past the back-off's attempts as long as the certificate in hand stays valid for the
    /// wait and ``lastRetryMargin``: giving up earlier would only leave the device to try again
    /// later anyway, and giving up later leaves it to re-pair. Time is the larger of the clock's
    /// and the waits' (an injected sleep need not move the clock).
    static func whileValid(
        _ record: DeviceRecord, from start: Date, clock: any HearthClock
    ) -> (_ waited: Duration, _ next: Duration) -> Bool {
        let lastTry = record.notAfter.addingTimeInterval(-lastRetryMargin)
        return { waited, next in
            let now = max(record.hubTime(at: clock.now), start.addingTimeInterval(waited.seconds))
            return now.addingTimeInterval(next.seconds) < lastTry
        }
    }

    func renew(_ paired: Paired, path: String = "/v1/certificates/renew") async throws -> DeviceRenewalOutcome {
        // A pending key left by an earlier attempt may have been certified with the answer lost
        // (a crash, a dropped connection): asking again with it gets that certificate (200), where a
        // new key would be refused as a second renewal. It is kept across refusals for the same reason.
        let next = try keys.pendingKey() ?? keys.makePendingKey()
        let csr = try CSRMaker.make(for: next)
        let connection = try pinnedConnection(paired)
        let firmware = try folder.firmware()?.report
        let reply: HubResponse
        do {
            reply = try await backoff.run(
                sleep: sleep, logger: logger, "certificate renewal",
                worthRetrying: Self.whileValid(paired.record, from: paired.record.hubTime(at: clock.now), clock: clock)
            ) {
                let reply = try await connection.post(path, json: RenewalRequest(csr: csr.pem, firmware: firmware))
                guard reply.status == 200 || reply.status == 201 else { throw reply.problem }
                return reply
            }
        } catch let problem as HubProblem where problem.status == 409 {
            // The hub has seen this key before and will never certify it: the next try needs a new one.
            try keys.discardPendingKey()
            throw problem
        }
        let chain = try CertificateChain(pem: try reply.decode(RenewalIssued.self).chainPEM)
        try await TrustCheck.requireIssued(chain, to: paired.root, for: next)
        var record = paired.record
        record.clockOffset = Self.clockOffset(issuedAt: chain.leaf.notValidBefore, receivedAt: clock.now)
        record.notAfter = chain.leaf.notValidAfter
        record.renewAfter = DeviceCertificateInfo.renewalTime(of: chain.leaf)
        try install(chain, record: record)
        logger.info("renewed the device certificate", metadata: [
            "serial": "\(chain.serial)", "not-after": "\(RFC3339.format(record.notAfter))",
        ])
        return DeviceRenewalOutcome(renewed: true, certificate: DeviceCertificateInfo(chain, renewAfter: record.renewAfter))
    }
}
