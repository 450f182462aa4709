import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a bridge connection failed, in words an operator can act on. Built from the error's kind
/// and BoringSSL's reason names only: nothing here can carry a payload or a key.
enum BridgeTransportError {
    static func describe(_ error: any Error, destination: BridgeDestination) -> String {
        let broker = destination.address
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the certificate of the broker at \(broker) does not name \(destination.host)"
        }
        if let error = error as? NIOSSLError {
            return describe(error, broker: broker)
        }
        if case .connectTimeout? = error as? ChannelError {
            return "no TCP connection to \(broker) in time"
        }
        if let error = error as? NIOConnectionError {
            let cause = error.connectionErrors.first.map { systemReason($0.error) } ?? "\(error)"
            return "cannot connect to \(broker): \(cause)"
        }
        return "the connection to \(broker) failed: \(systemReason(error))"
    }

    /// "Connection refused" rather than NIO's wrapping of it.
    private static func systemReason(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        return String(cString: strerror(error.errnoCode))
    }

    private static func describe(_ error: NIOSSLError, broker: String) -> String {
        if case .uncleanShutdown = error { return "the broker at \(broker) closed the connection" }
        guard case .handshakeFailed(let inner) = error else { return "TLS with \(broker) failed: \(error)" }
        let text = "\(inner)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            // BoringSSL names no finer reason here: say what usually causes it, and what else can.
            return "the certificate of the broker at \(broker) failed verification against the destination's trust roots"
                + " (not issued under them, expired, or not for a server; TLS: CERTIFICATE_VERIFY_FAILED)"
        }
        for alert in ["ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_REQUIRED", "ALERT_CERTIFICATE_UNKNOWN"]
        where text.contains(alert) {
            return "the broker at \(broker) refused the hub's client certificate (TLS alert \(alert))"
        }
        return "the TLS handshake with \(broker) failed: \(text)"
    }
}
