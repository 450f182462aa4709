extension JSONScanner {
    /// A string token, its UTF-8 checked as it is skipped (Unicode 15 table 3-7: no overlong forms,
    /// no surrogates, nothing past U+10FFFF).
    mutating func string() throws(JSONSyntaxError) {
        let start = position
        position += 1
        var flags: UInt8 = 0
        while true {
            skipPlainASCII()
            guard position < count else { throw fail(.unexpectedEnd) }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                flags = JSONToken.Flags.escaped
                try escape()
            } else if byte < 0x20 {
                throw fail(.controlCharacter)
            } else if byte < 0x80 {
                position += 1
            } else {
                try multibyte(byte)
            }
        }
        position += 1
        try append(.string, flags: flags, start: start, end: position)
    }

    /// Skips, eight at a time, bytes that need no attention: ASCII other than `"`, `\` and
    /// controls. Stops at the first byte that does (the lowest flagged byte is exact: the
    /// subtractions' borrows only ever flag bytes above a true one).
    @inline(__always) mutating func skipPlainASCII() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while count - position >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            // A byte is zero, below 0x20, or has its high bit set.
            let attention = (((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes)
                | ((word &- ones &* 0x20) & ~word) | word) & highs
            if attention != 0 {
                position += attention.trailingZeroBitCount >> 3
                return
            }
            position += 8
        }
    }

    mutating func escape() throws(JSONSyntaxError) {
        guard count - position >= 2 else { throw fail(.unexpectedEnd) }
        switch base[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: position + 2)
            if unit & 0xFC00 == 0xD800 {
                guard count - position >= 12, base[position + 6] == UInt8(ascii: "\\"),
                    base[position + 7] == UInt8(ascii: "u"), try hex4(at: position + 8) & 0xFC00 == 0xDC00
                else { throw fail(.loneSurrogate) }
                position += 12
            } else if unit & 0xFC00 == 0xDC00 {
                throw fail(.loneSurrogate)
            } else {
                position += 6
            }
        default:
            throw fail(.invalidEscape)
        }
    }

    func hex4(at offset: Int) throws(JSONSyntaxError) -> UInt16 {
        guard count - offset >= 4 else { throw fail(.unexpectedEnd) }
        var value: UInt16 = 0
        for index in offset..<offset + 4 {
            guard let digit = JSONStrings.hexValue(base[index]) else { throw fail(.invalidEscape, index) }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    mutating func multibyte(_ lead: UInt8) throws(JSONSyntaxError) {
        @inline(__always) func byte(_ offset: Int, in range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            position + offset < count && range.contains(base[position + offset])
        }
        let length: Int
        switch lead {
        case 0xC2...0xDF: guard byte(1) else { throw fail(.invalidUTF8) }; length = 2
        case 0xE0: guard byte(1, in: 0xA0...0xBF), byte(2) else { throw fail(.invalidUTF8) }; length = 3
        case 0xE1...0xEC, 0xEE...0xEF: guard byte(1), byte(2) else { throw fail(.invalidUTF8) }; length = 3
        case 0xED: guard byte(1, in: 0x80...0x9F), byte(2) else { throw fail(.invalidUTF8) }; length = 3
        case 0xF0: guard byte(1, in: 0x90...0xBF), byte(2), byte(3) else { throw fail(.invalidUTF8) }; length = 4
        case 0xF1...0xF3: guard byte(1), byte(2), byte(3) else { throw fail(.invalidUTF8) }; length = 4
        case 0xF4: guard byte(1, in: 0x80...0x8F), byte(2), byte(3) else { throw fail(.invalidUTF8) }; length = 4
        default: throw fail(.invalidUTF8)
        }
        position += length
    }

}

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
