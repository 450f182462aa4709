import Foundation
import HearthCore

/// Which keys a role trusts and how many of them must sign (a root's `roles` entry, a delegation).
public struct RoleKeys: Sendable, Hashable {
    public var keyIDs: [String]
    public var threshold: Int

    public init(keyIDs: [String], threshold: Int) {
        self.keyIDs = keyIDs
        self.threshold = threshold
    }

    init(json: JSONValue, role: String) throws(TUFError) {
        guard let ids = json["keyids"]?.array?.compactMap(\.string), let threshold = json["threshold"]?.integer, threshold >= 1
        else { throw .malformed("role \(role) needs keyids and a threshold of at least 1") }
        self.init(keyIDs: ids, threshold: Int(threshold))
    }

    var json: [String: JSONValue] { ["keyids": .array(keyIDs.map { .string($0) }), "threshold": .integer(Int64(threshold))] }
}

/// A metadata file: the `signed` part and its `signatures` (TUF specification, "Document formats").
public struct SignedMetadata: Sendable, Hashable {
    public struct Signature: Sendable, Hashable {
        public let keyID: String
        public let value: String
    }

    public let signed: JSONValue
    public let signatures: [Signature]

    /// Largest metadata file read: a maker's list of releases grows slowly, and a stranger's
    /// upload must not make the hub parse megabytes.
    public static let maximumSize = 4 * 1024 * 1024

    public init(parsing bytes: [UInt8]) throws(TUFError) {
        guard bytes.count <= Self.maximumSize else { throw .malformed("metadata is at most \(Self.maximumSize) bytes") }
        let document = try JSONValue(parsing: bytes)
        guard let signed = document["signed"], signed.object != nil, let list = document["signatures"]?.array else {
            throw .malformed("metadata is an object with signed and signatures")
        }
        var signatures: [Signature] = []
        for entry in list {
            guard let keyID = entry["keyid"]?.string, let value = entry["sig"]?.string else {
                throw .malformed("each signature has a keyid and a sig")
            }
            guard !signatures.contains(where: { $0.keyID == keyID }) else {
                throw .malformed("two signatures by key \(keyID)")
            }
            signatures.append(Signature(keyID: keyID, value: value))
        }
        self.signed = signed
        self.signatures = signatures
    }

    /// `signed`, signed by every key in `keys`.
    public init(signing signed: JSONValue, with keys: [TUFSigningKey]) throws {
        let message = signed.canonical
        self.signed = signed
        signatures = try keys.map { Signature(keyID: $0.publicKey.id, value: try $0.sign(message)) }
    }

    private init(signed: JSONValue, signatures: [Signature]) {
        self.signed = signed
        self.signatures = signatures
    }

    /// The same document with one more signature (a root signed by old and new keys).
    public func adding(signatureBy key: TUFSigningKey) throws -> SignedMetadata {
        SignedMetadata(signed: signed, signatures: signatures + [Signature(keyID: key.publicKey.id, value: try key.sign(signed.canonical))])
    }

    /// The file as served: ordinary JSON.
    public var bytes: [UInt8] {
        JSONValue.object([
            "signed": signed,
            "signatures": .array(signatures.map { .object(["keyid": .string($0.keyID), "sig": .string($0.value)]) }),
        ]).jsonBytes
    }

    /// How many of `role`'s keys signed this document validly (each key counted once).
    public func validSignatures(_ role: RoleKeys, keys: [String: TUFKey]) -> Int {
        let message = signed.canonical
        return Set(role.keyIDs).filter { id in
            guard let key = keys[id], let signature = signatures.first(where: { $0.keyID == id }) else { return false }
            return key.verifies(signature.value, over: message)
        }.count
    }

    /// Throws unless at least `role.threshold` of its keys signed.
    public func verify(_ name: String, _ role: RoleKeys, keys: [String: TUFKey]) throws(TUFError) {
        let valid = validSignatures(role, keys: keys)
        guard valid >= role.threshold else { throw .unsigned(role: name, valid: valid, threshold: role.threshold) }
    }
}
