import Crypto
import Foundation
import HearthCore
import HearthStore
import SwiftASN1
import X509

/// A maker's flow document, signed: a compact JWS (RFC 7515) with `alg` ES256 whose `kid` is the
/// id of a manufacturer root registered on the hub (`hearth attestation roots`), signed with that
/// root's P-256 key. The payload is the flow document itself, with its `model`.
enum MakerSignature {
    static let maximumLength = 256 * 1024

    /// The document's bytes and the root that signed it, or an error saying what is wrong.
    static func verify(_ jws: String, roots: [ManufacturerRootRecord]) throws(HearthError) -> (document: [UInt8], root: ManufacturerRootRecord) {
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard jws.utf8.count <= maximumLength, parts.count == 3,
              let headerBytes = Base64URL.decode(parts[0]), let document = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any]
        else { throw HearthError(.invalidInput, "a signed flow document is a compact JWS: three base64url parts joined by dots") }
        guard header["alg"] as? String == "ES256", header["crit"] == nil else {
            throw HearthError(.invalidInput, "a signed flow document must use alg ES256 and no critical header parameters")
        }
        guard let kid = header["kid"] as? String, let root = roots.first(where: { $0.id == kid }) else {
            throw HearthError(.invalidInput, "the document's kid names no manufacturer root registered on this hub")
        }
        guard let certificate = try? Certificate(derEncoded: root.certificateDER),
              let key = P256.Signing.PublicKey(certificate.publicKey)
        else { throw HearthError(.invalidInput, "manufacturer root \(root.name) has no P-256 key to check a flow document with") }
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        guard signature.count == 64, let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
              key.isValidSignature(ecdsa, for: SHA256.hash(data: signingInput))
        else { throw HearthError(.invalidInput, "the flow document's signature does not verify with manufacturer root \(root.name)") }
        return (document, root)
    }
}
