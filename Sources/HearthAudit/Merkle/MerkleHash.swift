import Crypto

/// The hashes of RFC 9162 §2.1.1 with SHA-256: leaves and interior nodes carry different
/// one-byte prefixes, so a leaf can never be passed off as a node (second-preimage resistance).
public enum MerkleHash {
    public static let size = 32

    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    public static func leaf(_ data: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(data))
        return Array(hasher.finalize())
    }

    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }
}
