import HearthAudit
import HearthCore
import Testing

/// The RFC 6962 / Certificate Transparency reference tree (the leaves and heads published with
/// the CT and transparency-dev Merkle code): a tree nobody else agrees with proves nothing.
@Suite struct MerkleVectorTests {
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map(bytes)

    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static let inclusion: [(index: Int64, size: Int64, path: [String])] = [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ]

    static let consistency: [(from: Int64, to: Int64, path: [String])] = [
        (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    var tree: ReferenceTree { ReferenceTree(leafHashes: Self.leaves.map(MerkleHash.leaf)) }

    @Test func rootsMatchTheReferenceHeads() {
        var range = CompactRange()
        #expect(range.root.hex == Self.roots[0])
        for (size, leaf) in Self.leaves.enumerated() {
            range.append(leafHash: MerkleHash.leaf(leaf))
            #expect(range.root.hex == Self.roots[size + 1], "size \(size + 1)")
            #expect(tree.root(size: Int64(size + 1)).hex == Self.roots[size + 1])
        }
    }

    @Test func inclusionProofsMatchTheReferenceProofs() {
        for vector in Self.inclusion {
            let path = tree.inclusionProof(index: vector.index, size: vector.size)
            #expect(path.map(\.hex) == vector.path)
            #expect(ProofVerifier.verifyInclusion(
                leafHash: MerkleHash.leaf(Self.leaves[Int(vector.index)]), index: vector.index, size: vector.size,
                path: path, root: bytes(Self.roots[Int(vector.size)])))
        }
    }

    @Test func consistencyProofsMatchTheReferenceProofs() {
        for vector in Self.consistency {
            let path = tree.consistencyProof(from: vector.from, to: vector.to)
            #expect(path.map(\.hex) == vector.path, "\(vector.from) → \(vector.to)")
            #expect(ProofVerifier.verifyConsistency(
                oldSize: vector.from, newSize: vector.to, oldRoot: bytes(Self.roots[Int(vector.from)]),
                newRoot: bytes(Self.roots[Int(vector.to)]), path: path))
        }
    }
}

func bytes(_ hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        result.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return result
}

extension [UInt8] {
    var hex: String { hexString }
}
