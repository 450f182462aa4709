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
        let algorithm = CertificateIssuer.signatureAlgorithm(for: authority.privateKey)
        let issuerKeyID = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: authority.certificate.publicKey).keyIdentifier
        let crlExtensions: [Certificate.Extension] = [
            try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: issuerKeyID), critical: false),
            Certificate.Extension(oid: [2, 5, 29, 20], critical: false, value: try derBytes { try $0.serialize(number) }[...]),
        ]

        let tbs = try derBytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { tbs in
                try tbs.serialize(1)  // v2
                try appendAlgorithm(algorithm, to: &tbs)
                try tbs.serialize(authority.certificate.subject)
                try appendTime(thisUpdate, to: &tbs)
                try appendTime(nextUpdate, to: &tbs)
                if !revoked.isEmpty {
                    try tbs.appendConstructedNode(identifier: .sequence) { list in
                        for entry in revoked {
                            try list.appendConstructedNode(identifier: .sequence) { item in
                                try item.serialize(ArraySlice(entry.serial))
                                try appendTime(entry.revokedAt, to: &item)
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
        return try derBytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { list in
                list.serializeRawBytes(tbs)
                try appendAlgorithm(algorithm, to: &list)
                try list.serialize(ASN1BitString(bytes: signature.rawRepresentation[...]))
            }
        }
    }

    /// PEM armour for a DER CRL.
    public static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "X509 CRL", derBytes: der).pemString + "\n"
    }

    static func derBytes(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try body(&serializer)
        return serializer.serializedBytes
    }

    /// AlgorithmIdentifier for the signature algorithms a Hearth CA uses (no parameters, RFC 5758/8410).
    static func appendAlgorithm(_ algorithm: Certificate.SignatureAlgorithm, to serializer: inout DER.Serializer) throws {
        let oid: ASN1ObjectIdentifier = switch algorithm {
        case .ecdsaWithSHA384: [1, 2, 840, 10045, 4, 3, 3]
        case .ed25519: [1, 3, 101, 112]
        default: [1, 2, 840, 10045, 4, 3, 2]
        }
        try serializer.appendConstructedNode(identifier: .sequence) { try $0.serialize(oid) }
    }

    /// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4).
    static func appendTime(_ date: Date, to serializer: inout DER.Serializer) throws {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let (year, month, day) = (parts.year!, parts.month!, parts.day!)
        let (hour, minute, second) = (parts.hour!, parts.minute!, parts.second!)
        if year < 2050 {
            try serializer.serialize(try UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        } else {
            try serializer.serialize(try GeneralizedTime(
                year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second, fractionalSeconds: 0))
        }
    }
}
