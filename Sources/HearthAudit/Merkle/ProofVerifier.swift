/// Checks inclusion and consistency proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe,
/// using nothing but the proof, the hashes and the sizes — never the log itself.
public enum ProofVerifier {
    /// Whether `path` proves that `leafHash` is leaf `index` of the tree of `size` leaves with `root`.
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, size: Int64, path: [[UInt8]], root: [UInt8]
    ) -> Bool {
        guard index >= 0, index < size, leafHash.count == MerkleHash.size, root.count == MerkleHash.size,
              path.allSatisfy({ $0.count == MerkleHash.size })
        else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in path {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `path` proves that the tree of `oldSize` leaves with `oldRoot` is a prefix of the
    /// tree of `newSize` leaves with `newRoot`.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8], path: [[UInt8]]
    ) -> Bool {
        guard oldSize >= 0, oldSize <= newSize, oldRoot.count == MerkleHash.size, newRoot.count == MerkleHash.size,
              path.allSatisfy({ $0.count == MerkleHash.size })
        else { return false }
        // The degenerate cases RFC 9162 leaves to the caller: an empty tree is a prefix of any
        // tree, and a tree is consistent with itself; both need an empty proof.
        if oldSize == 0 { return path.isEmpty && oldRoot == MerkleHash.emptyRoot }
        if oldSize == newSize { return path.isEmpty && oldRoot == newRoot }
        guard !path.isEmpty else { return false }

        var proof = path
        if oldSize.nonzeroBitCount == 1 { proof.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = proof[0]
        var sr = proof[0]
        for c in proof.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
