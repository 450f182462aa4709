import HearthPKI
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

    package init(serving: ServingCertificate, pki: HubPKI, logger: Logger) throws {
        var configuration = serving.serverTLSConfiguration()
        // Devices present a certificate; apps and people come with a token instead.
        configuration.certificateVerification = .optionalVerification
        context = try NIOSSLContext(configuration: configuration)
        verifier = ClientCertificateVerifier(pki: pki)
        self.logger = logger
    }

    /// The handlers a new connection starts with, in pipeline order (on its event loop): the TLS
    /// handler, then the check of resumed sessions. Whatever reads the protocol comes after.
    package func handlers() -> [any ChannelHandler] {
        let verifier = self.verifier
        let logger = self.logger
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
            promise.completeWithTask { await verifier.verify(certificates) }
        }
        return [tls, check]
    }
}
