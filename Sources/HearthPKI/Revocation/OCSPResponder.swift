import Crypto
import Foundation
import HearthCore
import SwiftASN1
import X509

/// What the CA knows about one certificate it issued.
public enum CertificateStatus: Sendable, Hashable {
    case good
    case revoked(at: Date, reason: RevocationReason)
    /// Never issued by this CA (or not by any CA this responder answers for).
    case unknown
}

/// An RFC 6960 OCSP responder for one issuing CA, which signs its own responses (an issuer is
/// always an authorized responder for its certificates).
///
/// swift-certificates keeps its OCSP types internal, so requests are read and responses written
/// here with SwiftASN1. A request's CertIDs and nonce are echoed byte for byte, which is what
/// clients compare against. A request that cannot be read gets `malformedRequest`, never an error.
public struct OCSPResponder: Sendable {
    public let authority: IssuingAuthority
    /// How long a response may be cached by clients (its nextUpdate).
    public let validity: TimeInterval
    public static let maximumRequestBytes = 4096
    public static let maximumCertificatesPerRequest = 16

    /// The CA's name and key hashes a CertID may carry, by hash algorithm, and the key's SHA-1
    /// for the responder id — computed once per responder, not per request.
    let issuerHashes: [ASN1ObjectIdentifier: (name: [UInt8], key: [UInt8])]
    let responderKeyHash: [UInt8]

    public init(authority: IssuingAuthority, validity: TimeInterval = 3600) {
        self.authority = authority
        self.validity = validity
        let nameDER = (try? DERWriting.bytes { try $0.serialize(authority.certificate.subject) }) ?? []
        let keyBits = Self.publicKeyBits(authority.certificate)
        responderKeyHash = Array(Insecure.SHA1.hash(data: keyBits))
        issuerHashes = [
            Self.sha1OID: (Array(Insecure.SHA1.hash(data: nameDER)), responderKeyHash),
            Self.sha256OID: (Array(SHA256.hash(data: nameDER)), Array(SHA256.hash(data: keyBits))),
        ]
    }

    /// A parsed request: the certificates asked about and the nonce extension, if any.
    public struct Request: Sendable {
        public struct Item: Sendable {
            /// The CertID exactly as the client encoded it.
            let encodedCertID: ArraySlice<UInt8>
            let hashAlgorithm: ASN1ObjectIdentifier
            let issuerNameHash: [UInt8]
            let issuerKeyHash: [UInt8]
            /// The serial's INTEGER content bytes.
            public let serial: [UInt8]
        }

        public let items: [Item]
        /// The whole nonce Extension, to be returned unchanged.
        let nonceExtension: ArraySlice<UInt8>?
        public var hasNonce: Bool { nonceExtension != nil }
    }

    public static func parse(_ der: [UInt8]) throws -> Request {
        guard der.count <= maximumRequestBytes else { throw OCSPError.malformed }
        do {
            let tbs = try children(try DER.parse(der), .sequence).first.unwrapped()
            var items: [Request.Item] = []
            var nonce: ArraySlice<UInt8>?
            for node in try children(tbs, .sequence) {
                if node.identifier == .sequence {
                    for request in try children(node, .sequence) {
                        let certID = try children(request, .sequence).first.unwrapped()
                        let fields = try children(certID, .sequence)
                        guard fields.count == 4 else { throw OCSPError.malformed }
                        let algorithm = try ASN1ObjectIdentifier(derEncoded: try children(fields[0], .sequence).first.unwrapped())
                        items.append(Request.Item(
                            encodedCertID: certID.encodedBytes, hashAlgorithm: algorithm,
                            issuerNameHash: try primitive(fields[1], .octetString), issuerKeyHash: try primitive(fields[2], .octetString),
                            serial: try primitive(fields[3], .integer)))
                    }
                } else if node.identifier == ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific) {
                    for ext in try children(try children(node, node.identifier).first.unwrapped(), .sequence) {
                        let parts = try children(ext, .sequence)
                        if try ASN1ObjectIdentifier(derEncoded: parts.first.unwrapped()) == nonceOID { nonce = ext.encodedBytes }
                    }
                }
            }
            guard !items.isEmpty, items.count <= maximumCertificatesPerRequest else { throw OCSPError.malformed }
            return Request(items: items, nonceExtension: nonce)
        } catch {
            throw OCSPError.malformed
        }
    }

    /// The DER response to a DER request: signed statuses, or an unsigned `malformedRequest`.
    public func respond(to der: [UInt8], now: Date, status: (_ serial: [UInt8]) -> CertificateStatus) throws -> [UInt8] {
        guard let request = try? Self.parse(der) else { return Self.malformedRequest }
        return try respond(to: request, now: now, status: status)
    }

    public func respond(to request: Request, now: Date, status: (_ serial: [UInt8]) -> CertificateStatus) throws -> [UInt8] {
        let algorithm = authority.signatureAlgorithm
        let tbs = try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { data in
                // responderID byKey [2]: SHA-1 of the responder's public key bits (RFC 6960 §4.2.1).
                try data.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) {
                    try $0.serialize(ASN1OctetString(contentBytes: responderKeyHash[...]))
                }
                try data.serialize(try DERWriting.generalizedTime(now))
                try data.appendConstructedNode(identifier: .sequence) { responses in
                    for item in request.items {
                        let mine = matches(item)
                        try Self.appendSingleResponse(
                            item, status: mine ? status(item.serial) : .unknown, now: now, validity: validity, to: &responses)
                    }
                }
                if let nonce = request.nonceExtension {
                    data.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) {
                        $0.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(nonce) }
                    }
                }
            }
        }
        let signature = try authority.privateKey.sign(bytes: tbs, signatureAlgorithm: algorithm)
        let basic = try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { basic in
                basic.serializeRawBytes(tbs)
                try DERWriting.appendAlgorithm(algorithm, to: &basic)
                try basic.serialize(ASN1BitString(bytes: signature.rawRepresentation[...]))
                // The signer's certificate, so clients need only the root to check it.
                try basic.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    try $0.appendConstructedNode(identifier: .sequence) { try $0.serialize(authority.certificate) }
                }
            }
        }
        return try DERWriting.bytes { serializer in
            try serializer.appendConstructedNode(identifier: .sequence) { response in
                response.serializeRawBytes([0x0A, 0x01, 0x00])  // successful
                try response.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    try $0.appendConstructedNode(identifier: .sequence) { bytes in
                        try bytes.serialize(Self.basicResponseOID)
                        try bytes.serialize(ASN1OctetString(contentBytes: basic[...]))
                    }
                }
            }
        }
    }

    /// True when the request asks about at least one certificate of this responder's authority,
    /// so a hub with several CAs can pick the one that answers.
    public func answers(_ request: Request) -> Bool {
        request.items.contains(where: matches)
    }

    /// `OCSPResponse { responseStatus malformedRequest }`, with no signed body.
    public static let malformedRequest: [UInt8] = [0x30, 0x03, 0x0A, 0x01, 0x01]

    static let nonceOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    static let basicResponseOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]
    static let sha1OID: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256OID: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]

    /// Whether a CertID names this CA as issuer, by the hash the client chose (SHA-1 or SHA-256).
    func matches(_ item: Request.Item) -> Bool {
        guard let hashes = issuerHashes[item.hashAlgorithm] else { return false }
        return item.issuerNameHash == hashes.name && item.issuerKeyHash == hashes.key
    }

    static func appendSingleResponse(
        _ item: Request.Item, status: CertificateStatus, now: Date, validity: TimeInterval, to serializer: inout DER.Serializer
    ) throws {
        try serializer.appendConstructedNode(identifier: .sequence) { single in
            single.serializeRawBytes(item.encodedCertID)
            switch status {
            case .good: single.serializeRawBytes([0x80, 0x00])
            case .unknown: single.serializeRawBytes([0x82, 0x00])
            case .revoked(let at, let reason):
                try single.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) { info in
                    try info.serialize(try DERWriting.generalizedTime(at))
                    info.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                        $0.serializeRawBytes([0x0A, 0x01, UInt8(reason.rawValue)])
                    }
                }
            }
            try single.serialize(try DERWriting.generalizedTime(now))
            try single.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                try $0.serialize(try DERWriting.generalizedTime(now.addingTimeInterval(validity)))
            }
        }
    }

    /// The subjectPublicKey BIT STRING contents of a certificate, which CertIDs hash
    /// (swift-certificates' `subjectPublicKeyInfoBytes` is exactly that, not the whole SPKI).
    static func publicKeyBits(_ certificate: Certificate) -> [UInt8] {
        Array(certificate.publicKey.subjectPublicKeyInfoBytes)
    }

    static func children(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> [ASN1Node] {
        guard node.identifier == identifier, case .constructed(let nodes) = node.content else { throw OCSPError.malformed }
        return Array(nodes)
    }

    static func primitive(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> [UInt8] {
        guard node.identifier == identifier, case .primitive(let bytes) = node.content else { throw OCSPError.malformed }
        return Array(bytes)
    }
}

public enum OCSPError: Error, Sendable {
    case malformed
}

extension Optional {
    func unwrapped() throws -> Wrapped {
        guard let self else { throw OCSPError.malformed }
        return self
    }
}
