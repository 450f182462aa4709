import Crypto
import Foundation
import HearthCore
import JWTKit

/// A compact-serialised JWS (RFC 7515 §7.1) taken apart by JWTKit's parser, nothing verified yet.
///
/// The DPoP and client-assertion checks are synchronous and the key comes from the token or the
/// client's registration, so they verify the signature here with swift-crypto rather than through
/// JWTKit's key collection, whose lookups are actor-isolated and therefore async.
struct CompactJWS {
    let header: JWTHeader
    let payload: [UInt8]
    let signature: [UInt8]
    let signingInput: [UInt8]

    /// Proofs and assertions are a few hundred bytes; refusing giants bounds the parsing work.
    static let maximumLength = 8192

    /// `nil` unless the text is three base64url parts whose first is a JSON object.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumLength,
            let parts = try? DefaultJWTParser().getTokenParts(bytes),
            let headerJSON = Base64URL.decode(String(decoding: parts.header, as: UTF8.self)),
            let payload = Base64URL.decode(String(decoding: parts.payload, as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: parts.signature, as: UTF8.self)),
            let header = try? JSONDecoder().decode(JWTHeader.self, from: Data(headerJSON))
        else { return nil }
        self.header = header
        self.payload = payload
        self.signature = signature
        self.signingInput = Array(bytes[..<parts.payload.endIndex])
    }

    /// The payload as `Claims`, or `nil` when it is not a JSON object of the expected types.
    func claims<Claims: Decodable>(as _: Claims.Type) -> Claims? {
        try? JSONDecoder().decode(Claims.self, from: Data(payload))
    }

    /// ES256 (RFC 7518 §3.4): the signature is r || s, 32 bytes each, over SHA-256 of the input.
    func isSignedES256(by key: P256.Signing.PublicKey) -> Bool {
        guard signature.count == 64, let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        else { return false }
        return key.isValidSignature(signature, for: SHA256.hash(data: signingInput))
    }

    /// EdDSA with Ed25519 (RFC 8037 §3.1).
    func isSignedEd25519(by key: Curve25519.Signing.PublicKey) -> Bool {
        signature.count == 64 && key.isValidSignature(signature, for: signingInput)
    }

    /// `crit` (RFC 7515 §4.1.11) names extensions the recipient must understand; none are used here.
    var hasCriticalParameters: Bool { header.fields["crit"] != nil }
}
