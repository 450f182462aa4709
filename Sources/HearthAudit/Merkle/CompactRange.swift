/// The right edge of a growing tree: the hashes of the perfect subtrees that cover leaves
/// `0..<size`, at most one per level. Appending a leaf merges equal-sized neighbours, so it costs
/// O(log n) hashes and memory — how the log keeps its head without ever recomputing the tree.
public struct CompactRange: Sendable, Equatable {
    public private(set) var size: Int64
    /// The perfect subtrees, largest (leftmost) first: exactly `TreeMath.perfectNodes(0..<size)`.
    public private(set) var hashes: [[UInt8]]

    public init() {
        size = 0
        hashes = []
    }

    /// Resumes from stored state: `hashes` must be the hashes of `TreeMath.perfectNodes(0..<size)`.
    public init(size: Int64, hashes: [[UInt8]]) {
        precondition(hashes.count == size.nonzeroBitCount, "a compact range of \(size) has \(size.nonzeroBitCount) nodes")
        self.size = size
        self.hashes = hashes
    }

    /// The nodes a tree of `size` leaves keeps on its right edge.
    public static func nodes(forSize size: Int64) -> [NodeID] { TreeMath.perfectNodes(0..<size) }

    /// Appends one leaf hash; returns every perfect subtree completed by it (the leaf first).
    @discardableResult
    public mutating func append(leafHash: [UInt8]) -> [(NodeID, [UInt8])] {
        var completed: [(NodeID, [UInt8])] = [(.leaf(size), leafHash)]
        var hash = leafHash
        var index = size
        var level = 0
        // Each trailing one-bit of the old size is a left sibling of equal height waiting for this leaf.
        while index & 1 == 1 {
            hash = MerkleHash.node(hashes.removeLast(), hash)
            index >>= 1
            level += 1
            completed.append((NodeID(level: level, index: index), hash))
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    public var root: [UInt8] { TreeMath.fold(hashes) }
}
