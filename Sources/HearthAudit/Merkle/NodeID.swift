/// A perfect subtree of the log: the `2^level` leaves starting at `index << level`.
///
/// Only perfect subtrees are ever stored; every other subtree hash the proofs need (the ragged
/// right edge of a tree whose size is not a power of two) is folded from O(log n) of them.
public struct NodeID: Hashable, Sendable, Comparable {
    public let level: Int
    public let index: Int64

    public init(level: Int, index: Int64) {
        self.level = level
        self.index = index
    }

    public static func leaf(_ index: Int64) -> NodeID { NodeID(level: 0, index: index) }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.level, lhs.index) < (rhs.level, rhs.index)
    }
}
