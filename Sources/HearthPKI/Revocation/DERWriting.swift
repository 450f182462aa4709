import Foundation
import SwiftASN1
import X509

/// The small pieces of DER that CRLs and OCSP responses share and swift-certificates does not expose.
enum DERWriting {
    static func bytes(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
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

    /// The time in GeneralizedTime, whole seconds, UTC (what OCSP always uses).
    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        let parts = utcParts(date)
        return try GeneralizedTime(
            year: parts.year!, month: parts.month!, day: parts.day!, hours: parts.hour!, minutes: parts.minute!,
            seconds: parts.second!, fractionalSeconds: 0)
    }

    /// A certificate-profile Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4).
    static func appendTime(_ date: Date, to serializer: inout DER.Serializer) throws {
        let parts = utcParts(date)
        if parts.year! < 2050 {
            try serializer.serialize(try UTCTime(
                year: parts.year!, month: parts.month!, day: parts.day!, hours: parts.hour!, minutes: parts.minute!,
                seconds: parts.second!))
        } else {
            try serializer.serialize(try generalizedTime(date))
        }
    }

    private static func utcParts(_ date: Date) -> DateComponents {
        Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
    }
}
