import Foundation
import HearthCore
import SwiftASN1
import X509

/// Builds and signs a version 2 CRL (RFC 5280 §5) for one issuing authority.
///
/// swift-certificates has no CRL type, so the structure is written here with SwiftASN1:
/// `CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }`, with the
/// authority key identifier and CRL number extensions, and a reason code on each entry (omitted
/// for `unspecified`, as §5.3.1 recommends).
public enum CRLBuilder {
    public static func build(
        authority: IssuingAuthority, revoked: [RevokedCertificate], number: UInt64, thisUpdate: Date, nextUpdate: Date
    ) throws -> [UInt8] {
        let algorithm = authority.signatureAlgorithm
        let issuerKeyID = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: authority.certificate.publicKey).keyIdentifier
        let crlExtensions: [Certificate.Extension] = [
            try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: issuerKeyID), critical: false),
            Certificate.Extension(oid: [2, 5, 29, 20], critical: false, value: try DERWriting.bytes { try $0.serialize(number) }[...]),
        ]

        let tbs = try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { tbs in
                try tbs.serialize(1)  // v2
                try DERWriting.appendAlgorithm(algorithm, to: &tbs)
                try tbs.serialize(authority.certificate.subject)
                try DERWriting.appendTime(thisUpdate, to: &tbs)
                try DERWriting.appendTime(nextUpdate, to: &tbs)
                if !revoked.isEmpty {
                    try tbs.appendConstructedNode(identifier: .sequence) { list in
                        for entry in revoked {
                            try list.appendConstructedNode(identifier: .sequence) { item in
                                try item.serialize(ArraySlice(entry.serial))
                                try DERWriting.appendTime(entry.revokedAt, to: &item)
                                guard entry.reason != .unspecified else { return }
                                let reason = Certificate.Extension(
                                    oid: [2, 5, 29, 21], critical: false,
                                    // ENUMERATED (tag 10), one content byte: every code is below 128.
                                    value: [0x0A, 0x01, UInt8(entry.reason.rawValue)][...])
                                try item.appendConstructedNode(identifier: .sequence) { try $0.serialize(reason) }
                            }
                        }
                    }
                }
                try tbs.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    try $0.appendConstructedNode(identifier: .sequence) { list in
                        for item in crlExtensions { try list.serialize(item) }
                    }
                }
            }
        }
        let signature = try authority.privateKey.sign(bytes: tbs, signatureAlgorithm: algorithm)
        return try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { list in
                list.serializeRawBytes(tbs)
                try DERWriting.appendAlgorithm(algorithm, to: &list)
                try list.serialize(ASN1BitString(bytes: signature.rawRepresentation[...]))
            }
        }
    }

    /// PEM armour for a DER CRL.
    public static func pem(_ der: [UInt8]) -> String {
        PEMText.encode(der, label: "X509 CRL")
    }
}
