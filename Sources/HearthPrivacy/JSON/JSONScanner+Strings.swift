import HearthCore

extension JSONScanner {
    /// A string token, its UTF-8 checked as it is skipped (Unicode 15 table 3-7: no overlong forms,
    /// no surrogates, nothing past U+10FFFF).
    @inline(__always) mutating func string() throws(JSONSyntaxError) {
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
            guard let digit = Hex.digitValue(base[index]) else { throw fail(.invalidEscape, index) }
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
