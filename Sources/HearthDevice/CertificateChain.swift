import HearthCore
import SwiftASN1
import X509

/// Certificates in order, leaf first, with the DER each was parsed from (proofs hash exactly the
/// bytes the hub sent, not a re-encoding).
public struct CertificateChain: Sendable, Hashable {
    public let certificates: [Certificate]
    public let derEncodings: [[UInt8]]

    public init(derEncodings: [[UInt8]]) throws {
        guard !derEncodings.isEmpty else { throw HearthError(.invalidInput, "the certificate chain is empty") }
        self.certificates = try derEncodings.map { try Certificate(derEncoded: $0) }
        self.derEncodings = derEncodings
    }

    public init(pem: String) throws {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw HearthError(.invalidInput, "not PEM certificates")
        }
        guard documents.allSatisfy({ $0.discriminator == "CERTIFICATE" }) else {
            throw HearthError(.invalidInput, "the PEM holds something other than certificates")
        }
        do {
            try self.init(derEncodings: documents.map(\.derBytes))
        } catch let error as HearthError {
            throw error
        } catch {
            throw HearthError(.invalidInput, "a certificate in the PEM could not be parsed")
        }
    }

    public init(_ certificates: [Certificate]) throws {
        try self.init(derEncodings: certificates.map { certificate in
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return serializer.serializedBytes
        })
    }

    public var leaf: Certificate { certificates[0] }
    public var intermediates: ArraySlice<Certificate> { certificates.dropFirst() }

    public var pem: String {
        derEncodings.map { PEMDocument(type: "CERTIFICATE", derBytes: $0).pemString + "\n" }.joined()
    }

    /// The leaf's serial as the hub prints it: lower-case hex without leading zero bytes.
    public var serial: String { leaf.serialNumber.bytes.drop { $0 == 0 }.hexString }
}
