/// The shape of RFC 9162 trees, as ranges of leaves and the perfect subtrees that cover them.
///
/// Proof generation is split in two: these functions say *which* subtree hashes a proof needs
/// (pure arithmetic, O(log n) of them), and the caller fetches those hashes in one go from
/// wherever they are stored. Leaf ranges are half-open: `lower..<upper`.
public enum TreeMath {
    /// The largest power of two strictly smaller than `count` (`count` ≥ 2): RFC 9162's split point.
    public static func split(_ count: Int64) -> Int64 {
        precondition(count >= 2, "a tree of \(count) leaves has no split")
        return Int64(1) << (63 - (count - 1).leadingZeroBitCount)
    }

    /// The perfect subtrees that make up the RFC 9162 subtree `range`, left to right, largest
    /// first. `range.lowerBound` must be aligned the way RFC 9162's recursion aligns it (every
    /// range these functions produce is).
    public static func perfectNodes(_ range: Range<Int64>) -> [NodeID] {
        var nodes: [NodeID] = []
        var position = range.lowerBound
        var remaining = range.count
        while remaining > 0 {
            let level = 63 - Int64(remaining).leadingZeroBitCount
            nodes.append(NodeID(level: level, index: position >> level))
            position += Int64(1) << level
            remaining -= 1 << level
        }
        return nodes
    }

    /// Hashes a subtree from the hashes of its perfect nodes: MTH splits at the largest power of
    /// two, so the ragged part is always on the right and the fold runs right to left.
    public static func fold(_ hashes: [[UInt8]]) -> [UInt8] {
        guard var result = hashes.last else { return MerkleHash.emptyRoot }
        for hash in hashes.dropLast().reversed() { result = MerkleHash.node(hash, result) }
        return result
    }

    /// The subtrees whose hashes form the inclusion proof of leaf `index` in a tree of `size`
    /// leaves (RFC 9162 §2.1.3.1), from the leaf's sibling up to the root's other child.
    public static func inclusionPath(index: Int64, size: Int64) -> [Range<Int64>] {
        precondition(index >= 0 && index < size, "leaf \(index) is not in a tree of \(size)")
        var path: [Range<Int64>] = []
        var range: Range<Int64> = 0..<size
        while range.count > 1 {
            let middle = range.lowerBound + split(Int64(range.count))
            if index < middle {
                path.append(middle..<range.upperBound)
                range = range.lowerBound..<middle
            } else {
                path.append(range.lowerBound..<middle)
                range = middle..<range.upperBound
            }
        }
        return path.reversed()
    }

    /// The subtrees whose hashes form the consistency proof between the trees of `oldSize` and
    /// `newSize` leaves (RFC 9162 §2.1.4.1, SUBPROOF), in proof order.
    public static func consistencyPath(from oldSize: Int64, to newSize: Int64) -> [Range<Int64>] {
        precondition(oldSize >= 0 && oldSize <= newSize, "no consistency proof from \(oldSize) to \(newSize)")
        guard oldSize > 0, oldSize < newSize else { return [] }
        var path: [Range<Int64>] = []
        var range: Range<Int64> = 0..<newSize
        var old = oldSize
        var wholeOldTreeKnown = true
        while old != Int64(range.count) {
            let split = split(Int64(range.count))
            let middle = range.lowerBound + split
            if old <= split {
                path.append(middle..<range.upperBound)
                range = range.lowerBound..<middle
            } else {
                path.append(range.lowerBound..<middle)
                range = middle..<range.upperBound
                old -= split
                wholeOldTreeKnown = false
            }
        }
        // The subtree that equals the old tree's remainder is sent only when the verifier
        // cannot already know it (it knows the old root only if the old tree is this subtree).
        if !wholeOldTreeKnown { path.append(range) }
        return path.reversed()
    }
}
