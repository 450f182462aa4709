import Crypto
import Foundation
import HearthCore
import SwiftASN1
import X509

/// Roots an owner gives the hub to trust for one outbound connection — an alert webhook whose
/// receiver has a certificate from a private CA — in place of the system's. Read when given, so a
/// wrong file is refused then and not found at the first alert.
public struct TrustRoots: Sendable, Hashable {
    /// The PEM text as given: what the hub's TLS client loads.
    public let pem: String
    public let certificates: [Root]

    /// A root as shown back: enough to tell which CA it is, never the key material.
    public struct Root: Sendable, Hashable {
        public let subject: String
        /// Hex SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` shows it (without colons).
        public let sha256: String
        public let notAfter: Date
    }

    /// A bundle is a few CAs, not a system store.
    public static let maximumCount = 16
    public static let maximumBytes = 64 * 1024

    /// Refuses (``HearthError/Code/invalidInput``) text that is not 1 to 16 PEM certificates, or
    /// one that has expired at `now`.
    public init(pem: String, now: Date) throws {
        guard pem.utf8.count <= Self.maximumBytes else {
            throw HearthError(.invalidInput, "the trust roots must be at most \(Self.maximumBytes / 1024) KiB of PEM")
        }
        guard let documents = try? PEMDocument.parseMultiple(pemString: pem), !documents.isEmpty else {
            throw HearthError(.invalidInput, "the trust roots are not PEM certificates (-----BEGIN CERTIFICATE-----)")
        }
        guard documents.count <= Self.maximumCount else {
            throw HearthError(.invalidInput, "the trust roots must hold at most \(Self.maximumCount) certificates")
        }
        var roots: [Root] = []
        for document in documents {
            guard document.discriminator == "CERTIFICATE", let certificate = try? Certificate(derEncoded: document.derBytes) else {
                throw HearthError(.invalidInput, "the trust roots hold something that is not a certificate")
            }
            let subject = certificate.subject.description
            guard certificate.notValidAfter > now else {
                throw HearthError(.invalidInput, "the trust root \(subject) expired at \(RFC3339.format(certificate.notValidAfter))")
            }
            roots.append(Root(subject: subject, sha256: SHA256.hash(data: document.derBytes).hexString, notAfter: certificate.notValidAfter))
        }
        self.pem = pem
        self.certificates = roots
    }
}
