import SwiftASN1

/// Names the key a CSR carries, read from the request's structure alone.
///
/// swift-certificates refuses to parse a CSR whose key it cannot use (RSA under 2048 bits, a curve
/// it does not know such as P-192 or secp224r1, Ed448 …) with the same error as for broken DER.
/// Such a request is well-formed; what the requester must hear is that its key type is refused,
/// so the CSR's shape is checked here and its key named for the refusal.
enum RequestedKeyType {
    /// The key type of a structurally sound PKCS#10 request (`RSA-1024`, `P-192` …), or nil when
    /// the bytes are not one, or its key is of an accepted type (then the key itself is broken).
    static func name(der: [UInt8]) -> String? {
        guard let (algorithm, parameters, key) = try? subjectPublicKeyInfo(der) else { return nil }
        return name(algorithm: algorithm, parameters: parameters, key: key)
    }

    /// CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }
    /// CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes }
    /// (RFC 2986 §4): returns the subjectPKInfo's algorithm, parameters and key bits.
    private static func subjectPublicKeyInfo(_ der: [UInt8]) throws -> (ASN1ObjectIdentifier, ASN1Node?, ArraySlice<UInt8>) {
        let request = try children(try DER.parse(der), .sequence)
        guard request.count == 3, request[1].identifier == .sequence, request[2].identifier == .bitString else { throw Malformed() }
        let info = try children(request[0], .sequence)
        guard info.count == 4, info[0].identifier == .integer, info[1].identifier == .sequence,
              info[3].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        else { throw Malformed() }
        let spki = try children(info[2], .sequence)
        guard spki.count == 2 else { throw Malformed() }
        let algorithm = try children(spki[0], .sequence)
        guard let oid = algorithm.first, algorithm.count <= 2 else { throw Malformed() }
        let key = try ASN1BitString(derEncoded: spki[1])
        return (try ASN1ObjectIdentifier(derEncoded: oid), algorithm.count == 2 ? algorithm[1] : nil, key.bytes)
    }

    private static func name(algorithm: ASN1ObjectIdentifier, parameters: ASN1Node?, key: ArraySlice<UInt8>) -> String? {
        switch algorithm.description {
        case "1.2.840.113549.1.1.1":
            guard let bits = try? rsaModulusBits(key) else { return "RSA" }
            return "RSA-\(bits)"
        case "1.2.840.113549.1.1.10": return "RSA-PSS"
        case "1.2.840.10040.4.1": return "DSA"
        case "1.3.101.112": return nil  // Ed25519 is accepted: this key is broken, not refused
        case "1.3.101.113": return "Ed448"
        case "1.3.101.110": return "X25519"
        case "1.3.101.111": return "X448"
        case "1.2.840.10045.2.1":
            guard let parameters else { return "EC without a named curve" }
            guard let curve = try? ASN1ObjectIdentifier(derEncoded: parameters) else { return "EC with explicit curve parameters" }
            switch curve.description {
            case "1.2.840.10045.3.1.7", "1.3.132.0.34": return nil  // P-256, P-384: accepted, so the point is broken
            default: return curves[curve.description] ?? "EC on curve \(curve)"
            }
        default:
            return "the algorithm \(algorithm)"
        }
    }

    /// Names for the curves people are likely to try; any other is named by its OID.
    private static let curves = [
        "1.2.840.10045.3.1.1": "P-192",
        "1.3.132.0.33": "P-224",
        "1.3.132.0.35": "P-521",
        "1.3.132.0.10": "secp256k1",
        "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
    ]

    /// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1).
    private static func rsaModulusBits(_ key: ArraySlice<UInt8>) throws -> Int {
        let fields = try children(try DER.parse(key), .sequence)
        guard fields.count == 2, fields[0].identifier == .integer, case .primitive(let modulus) = fields[0].content else {
            throw Malformed()
        }
        let significant = modulus.drop { $0 == 0 }
        guard let first = significant.first else { throw Malformed() }
        return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    private static func children(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> [ASN1Node] {
        guard node.identifier == identifier, case .constructed(let nodes) = node.content else { throw Malformed() }
        return Array(nodes)
    }

    private struct Malformed: Error {}
}
