import Crypto
import SwiftASN1
import X509

/// Builds RFC 6960 requests the way `openssl ocsp` does (SHA-1 CertID, optional nonce), for the
/// hub's load tool and for clients written in Swift.
public enum OCSPRequestBuilder {
    public static func request(issuer: Certificate, serial: [UInt8], nonce: [UInt8]? = nil) throws -> [UInt8] {
        let nameDER = try DERWriting.bytes { try $0.serialize(issuer.subject) }
        let keyBits = OCSPResponder.publicKeyBits(issuer)
        return try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { ocspRequest in
                try ocspRequest.appendConstructedNode(identifier: .sequence) { tbs in
                    try tbs.appendConstructedNode(identifier: .sequence) { list in
                        try list.appendConstructedNode(identifier: .sequence) { request in
                            try request.appendConstructedNode(identifier: .sequence) { certID in
                                try certID.appendConstructedNode(identifier: .sequence) { algorithm in
                                    try algorithm.serialize(OCSPResponder.sha1OID)
                                    try algorithm.serialize(ASN1Null())
                                }
                                try certID.serialize(ASN1OctetString(contentBytes: ArraySlice(Insecure.SHA1.hash(data: nameDER))))
                                try certID.serialize(ASN1OctetString(contentBytes: ArraySlice(Insecure.SHA1.hash(data: keyBits))))
                                try certID.serialize(ArraySlice(serial))
                            }
                        }
                    }
                    guard let nonce else { return }
                    try tbs.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) {
                        try $0.appendConstructedNode(identifier: .sequence) { extensions in
                            try extensions.appendConstructedNode(identifier: .sequence) { ext in
                                try ext.serialize(OCSPResponder.nonceOID)
                                let inner = try DERWriting.bytes { try $0.serialize(ASN1OctetString(contentBytes: nonce[...])) }
                                try ext.serialize(ASN1OctetString(contentBytes: inner[...]))
                            }
                        }
                    }
                }
            }
        }
    }
}
