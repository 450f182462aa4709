import HearthAudit

/// A tree held entirely in memory, with proofs assembled from `TreeMath` the way the store
/// assembles them from stored nodes, and a naive recursive MTH to check both against.
struct ReferenceTree {
    let leafHashes: [[UInt8]]

    /// RFC 9162 MTH written straight from its definition, sharing no code with the log.
    func naiveRoot(_ range: Range<Int>) -> [UInt8] {
        switch range.count {
        case 0: return MerkleHash.emptyRoot
        case 1: return leafHashes[range.lowerBound]
        default:
            var k = 1
            while k * 2 < range.count { k *= 2 }
            return MerkleHash.node(
                naiveRoot(range.lowerBound..<range.lowerBound + k), naiveRoot(range.lowerBound + k..<range.upperBound))
        }
    }

    func perfectNode(_ node: NodeID) -> [UInt8] {
        let start = Int(node.index << node.level)
        return naiveRoot(start..<start + (1 << node.level))
    }

    func hash(_ range: Range<Int64>) -> [UInt8] { TreeMath.fold(TreeMath.perfectNodes(range).map(perfectNode)) }

    func root(size: Int64) -> [UInt8] { hash(0..<size) }

    func inclusionProof(index: Int64, size: Int64) -> [[UInt8]] {
        TreeMath.inclusionPath(index: index, size: size).map(hash)
    }

    func consistencyProof(from old: Int64, to new: Int64) -> [[UInt8]] {
        TreeMath.consistencyPath(from: old, to: new).map(hash)
    }
}
