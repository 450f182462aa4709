import HearthAudit
import Testing

/// Every proof of every shape up to 64 leaves verifies, and no altered proof does.
@Suite struct ProofTests {
    static let size = 64
    let tree = ReferenceTree(leafHashes: (0..<ProofTests.size).map { MerkleHash.leaf([UInt8($0), 0x5A]) })

    @Test func compactRangeAgreesWithTheNaiveRootAtEverySize() {
        var range = CompactRange()
        for size in 1...Self.size {
            let completed = range.append(leafHash: tree.leafHashes[size - 1])
            #expect(range.root == tree.naiveRoot(0..<size))
            #expect(range.hashes == CompactRange.nodes(forSize: Int64(size)).map(tree.perfectNode))
            for (node, hash) in completed { #expect(hash == tree.perfectNode(node)) }
            let resumed = CompactRange(size: range.size, hashes: range.hashes)
            #expect(resumed == range)
        }
    }

    @Test func everyInclusionProofVerifiesAndAlteredOnesDoNot() {
        for size in 1...Int64(Self.size) {
            let root = tree.naiveRoot(0..<Int(size))
            for index in 0..<size {
                let leaf = tree.leafHashes[Int(index)]
                let path = tree.inclusionProof(index: index, size: size)
                #expect(path.count <= 64 - (size - 1).leadingZeroBitCount)
                #expect(ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, path: path, root: root))
                // The wrong index, the wrong size, the wrong leaf and every altered path fail.
                if size > 1 {
                    #expect(!ProofVerifier.verifyInclusion(
                        leafHash: leaf, index: (index + 1) % size, size: size, path: path, root: root))
                    #expect(!ProofVerifier.verifyInclusion(
                        leafHash: tree.leafHashes[Int((index + 1) % size)], index: index, size: size, path: path, root: root))
                }
                if size < Self.size {
                    let biggerRoot = tree.naiveRoot(0..<Int(size + 1))
                    #expect(!ProofVerifier.verifyInclusion(
                        leafHash: leaf, index: index, size: size + 1, path: path, root: biggerRoot))
                }
                for mangled in mangle(path) {
                    #expect(!ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, path: mangled, root: root))
                }
            }
        }
    }

    @Test func everyConsistencyProofVerifiesAndAlteredOnesDoNot() {
        for new in 0...Int64(Self.size) {
            let newRoot = tree.naiveRoot(0..<Int(new))
            for old in 0...new {
                let oldRoot = tree.naiveRoot(0..<Int(old))
                let path = tree.consistencyProof(from: old, to: new)
                #expect(ProofVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, path: path))
                if old > 0 && old < new {
                    let wrongOld = tree.naiveRoot(0..<Int(old - 1))
                    #expect(!ProofVerifier.verifyConsistency(
                        oldSize: old, newSize: new, oldRoot: wrongOld, newRoot: newRoot, path: path))
                    for mangled in mangle(path) {
                        #expect(!ProofVerifier.verifyConsistency(
                            oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, path: mangled))
                    }
                }
            }
        }
    }

    /// A flipped bit in each element, a dropped last element, an extra element, two swapped elements.
    func mangle(_ path: [[UInt8]]) -> [[[UInt8]]] {
        var variants: [[[UInt8]]] = []
        for position in path.indices {
            var flipped = path
            flipped[position][position % 32] ^= 0x01
            variants.append(flipped)
        }
        if !path.isEmpty { variants.append(Array(path.dropLast())) }
        variants.append(path + [[UInt8](repeating: 0xAB, count: 32)])
        if path.count >= 2, path[0] != path[1] { variants.append([path[1], path[0]] + path.dropFirst(2)) }
        return variants
    }
}
