/// The member names of one object as it is parsed: each gets its fingerprint, and a name given
/// twice is refused.
///
/// Up to 16 members each new fingerprint is compared with the earlier names' (16 bits each, so
/// bytes are compared only on a rare collision or a real duplicate); up to 64 their top seven bits
/// go into a bit set first. Linear in practice, exact, no allocation. Past 64 members a set of
/// the names keeps a hostile object of thousands of members linear.
struct NameSet {
    var count = 0
    var bits: (UInt64, UInt64) = (0, 0)
    var large: Set<[UInt8]>?

    @inline(__always) mutating func insert(_ key: Int, of object: Int, _ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let fingerprint = JSONStrings.fingerprint(scanner.base, scanner.count, scanner.tokens[key])
        scanner.tokens[key].fingerprint = fingerprint
        count += 1
        if count <= 16 {
            if count > 1 { try compare(key, of: object, fingerprint, &scanner) }
        } else {
            try insertMany(key, of: object, fingerprint, &scanner)
        }
    }

    private mutating func insertMany(_ key: Int, of object: Int, _ fingerprint: UInt16, _ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        if count <= 64 {
            if count == 17 {  // the first sixteen, which went without the bit set
                var earlier = object + 1
                while earlier < key {
                    set(scanner.tokens[earlier].fingerprint)
                    earlier = Int(scanner.tokens[earlier + 1].next)
                }
            }
            if set(fingerprint) { try compare(key, of: object, fingerprint, &scanner) }
            return
        }
        if large == nil {
            var names = Set<[UInt8]>()
            var earlier = object + 1
            while earlier < key {
                var decoded: [UInt8] = []
                JSONStrings.decode(scanner.base, scanner.tokens[earlier], into: &decoded)
                names.insert(decoded)
                earlier = Int(scanner.tokens[earlier + 1].next)
            }
            large = names
        }
        var decoded: [UInt8] = []
        JSONStrings.decode(scanner.base, scanner.tokens[key], into: &decoded)
        if large!.insert(decoded).inserted == false { throw scanner.fail(.duplicateKey, Int(scanner.tokens[key].start)) }
    }

    /// Sets the fingerprint's bit; whether it was set already.
    @discardableResult private mutating func set(_ fingerprint: UInt16) -> Bool {
        let bit = Int(fingerprint >> 9)
        let mask: UInt64 = 1 << UInt64(bit & 63)
        let was = (bit < 64 ? bits.0 : bits.1) & mask != 0
        if bit < 64 { bits.0 |= mask } else { bits.1 |= mask }
        return was
    }

    /// Compares the name at `key` with the earlier ones of the same fingerprint.
    @inline(__always) private func compare(
        _ key: Int, of object: Int, _ fingerprint: UInt16, _ scanner: inout JSONScanner
    ) throws(JSONSyntaxError) {
        var earlier = object + 1
        while earlier < key {
            if scanner.tokens[earlier].fingerprint == fingerprint,
                JSONStrings.equal(scanner.base, scanner.tokens[earlier], scanner.tokens[key])
            {
                throw scanner.fail(.duplicateKey, Int(scanner.tokens[key].start))
            }
            earlier = Int(scanner.tokens[earlier + 1].next)
        }
    }
}
