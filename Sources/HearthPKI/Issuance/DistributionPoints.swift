import SwiftASN1
import X509

/// The CRL distribution points extension (RFC 5280 §4.2.1.13), which swift-certificates does not
/// model: one distribution point whose full name is one URI.
enum CRLDistributionPoints {
    static let oid: ASN1ObjectIdentifier = [2, 5, 29, 31]

    static func `extension`(url: String) throws -> Certificate.Extension {
        let context0 = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        let value = try DERWriting.bytes { serializer in
            // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint
            try serializer.appendConstructedNode(identifier: .sequence) { points in
                // DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName, … }
                try points.appendConstructedNode(identifier: .sequence) { point in
                    // [0] wraps a CHOICE, so it is explicit; fullName [0] IMPLICIT GeneralNames.
                    try point.appendConstructedNode(identifier: context0) { name in
                        try name.appendConstructedNode(identifier: context0) { fullName in
                            try fullName.serialize(GeneralName.uniformResourceIdentifier(url))
                        }
                    }
                }
            }
        }
        return Certificate.Extension(oid: oid, critical: false, value: value[...])
    }
}
