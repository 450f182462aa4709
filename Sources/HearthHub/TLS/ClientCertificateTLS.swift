import HearthCore
import HearthDetection
import HearthPKI
import HearthStore
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The TLS stage of a listener that takes client certificates — the HTTPS API and the MQTT
/// broker alike: TLS 1.3 with the hub's current certificate (``ServingCertificate``); a client
/// certificate is optional, and one that is presented must pass ``ClientCertificateVerifier``,
/// in the handshake or — for a session resumed from a ticket, which has no certificate exchange —
/// in ``ResumedSessionCheck`` before the connection's first byte reaches the protocol.
package struct ClientCertificateTLS: Sendable {
    private let context: NIOSSLContext
    private let verifier: ClientCertificateVerifier
    private let logger: Logger
    /// Where refused handshakes are reported (detection); nil when detection is off.
    private let refusals: (@Sendable (HandshakeRefusal, String?) -> Void)?

    package init(serving: ServingCertificate, pki: HubPKI, signals: SignalInbox?, logger: Logger) throws {
        var configuration = serving.serverTLSConfiguration()
        // Devices present a certificate; apps and people come with a token instead.
        configuration.certificateVerification = .optionalVerification
        context = try NIOSSLContext(configuration: configuration)
        verifier = ClientCertificateVerifier(pki: pki)
        self.logger = logger
        let clock: any HearthClock = pki.store.clock
        if let signals {
            refusals = { reason, source in signals.post(.handshakeRefused(reason, source: source, at: clock.now)) }
        } else {
            refusals = nil
        }
    }

    /// The handler a new connection starts with (on its event loop): the gate of the listener's
    /// `pending` connections, which puts ``handlers()`` behind itself when the connection is let
    /// in. With `pendingUntilHandshake` the connection stops being pending when its handshake
    /// completes; otherwise when the protocol behind says so (``PendingConnections/Presented``).
    package func gatedHandlers(_ pending: PendingConnections, pendingUntilHandshake: Bool) -> [any ChannelHandler] {
        [PendingConnectionGate(pending: pending) {
            self.handlers() + (pendingUntilHandshake ? [PendingUntilHandshake()] : [])
        }]
    }

    /// The TLS stage of a connection, in pipeline order (on its event loop): the TLS
    /// handler, the watch of refused handshakes (with detection on), then the check of resumed
    /// sessions. Whatever reads the protocol comes after.
    package func handlers() -> [any ChannelHandler] {
        let verifier = self.verifier
        let logger = self.logger
        let watch = refusals.map(HandshakeWatch.init)
        let check = ResumedSessionCheck { certificates in
            let result = await verifier.verify(certificates)
            if case .failed = result {
                let serial = (try? certificates.first.map { try Certificate(derEncoded: $0.toDERBytes()) })?
                    .map { SerialNumberText.hex($0.serialNumber) }
                logger.info("closed a resumed TLS session: its client certificate no longer passes", metadata: [
                    "serial": "\(serial ?? "-")",
                ])
            }
            return result
        }
        let tls = NIOSSLServerHandler(context: context) { certificates, promise in
            check.certificateVerifiedInHandshake()
            if let watch {
                promise.futureResult.assumeIsolated().whenSuccess { result in
                    if case .failed = result { watch.refusedCertificate() }
                }
            }
            let presented = ClientCertificateVerifier.Presented(certificates)
            if let presented, verifier.verifiedBefore(presented) {
                promise.succeed(.certificateVerified)
            } else {
                promise.completeWithTask { await verifier.verify(presented) }
            }
        }
        return [tls] + (watch.map { [$0] } ?? []) + [check]
    }
}
