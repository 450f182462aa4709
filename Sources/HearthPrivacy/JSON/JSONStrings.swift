import HearthCore

/// Reading string tokens: their value is the text between the quotes, with escapes decoded.
///
/// Values are compared as UTF-8 bytes, never as Swift `String`s: `String` equality is canonical
/// equivalence ("é" precomposed equals "e" + U+0301), while JSON (and JSON Schema, and every
/// device) compares code points.
enum JSONStrings {
    /// The bytes between a string token's quotes.
    @inline(__always) static func content(_ base: UnsafePointer<UInt8>, _ token: JSONToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + Int(token.start) + 1, count: Int(token.end - token.start) - 2)
    }

    /// A string token's value, byte by byte: escapes decoded to UTF-8.
    struct Decoder: IteratorProtocol {
        let text: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The rest of a decoded escape's UTF-8, first byte lowest.
        var pending: UInt32 = 0
        var pendingCount = 0

        init(_ text: UnsafeBufferPointer<UInt8>) { self.text = text }

        mutating func next() -> UInt8? {
            if pendingCount > 0 {
                let byte = UInt8(truncatingIfNeeded: pending)
                pending >>= 8
                pendingCount -= 1
                return byte
            }
            guard index < text.count else { return nil }
            let byte = text[index]
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                return byte
            }
            let escaped = text[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): return 0x08
            case UInt8(ascii: "f"): return 0x0C
            case UInt8(ascii: "n"): return 0x0A
            case UInt8(ascii: "r"): return 0x0D
            case UInt8(ascii: "t"): return 0x09
            case UInt8(ascii: "u"): break
            default: return escaped  // " \ /
            }
            var scalar = UInt32(unit(at: index))
            index += 4
            if scalar & 0xFC00 == 0xD800 {  // the parser has checked that the low half follows
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(unit(at: index + 2)) - 0xDC00)
                index += 6
            }
            let (bytes, length) = JSONStrings.utf8(scalar)
            pending = bytes >> 8
            pendingCount = length - 1
            return UInt8(truncatingIfNeeded: bytes)
        }

        private func unit(at offset: Int) -> UInt16 {
            var value: UInt16 = 0
            for index in offset..<offset + 4 { value = value << 4 | UInt16(Hex.digitValue(text[index]) ?? 0) }
            return value
        }
    }

    /// A scalar's UTF-8, first byte lowest, and its length.
    static func utf8(_ scalar: UInt32) -> (bytes: UInt32, length: Int) {
        switch scalar {
        case ..<0x80: (scalar, 1)
        case ..<0x800: (0xC0 | scalar >> 6 | (0x80 | scalar & 0x3F) << 8, 2)
        case ..<0x10000:
            (0xE0 | scalar >> 12 | (0x80 | scalar >> 6 & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16, 3)
        default:
            (0xF0 | scalar >> 18 | (0x80 | scalar >> 12 & 0x3F) << 8 | (0x80 | scalar >> 6 & 0x3F) << 16
                | (0x80 | scalar & 0x3F) << 24, 4)
        }
    }

    /// Two byte runs of the same length compared eight bytes at a time: names, and the members a
    /// `MemberMemo` remembers, are short, and a call to `memcmp` would cost more than the comparison.
    /// The last bytes are compared as one word that overlaps the one before (or, under eight
    /// bytes, as two halves that overlap), not one by one: a loop over the odd bytes at the end
    /// of every member took a mispredicted branch of its own.
    @inline(__always) static func bytesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = a.count
        guard count > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
        let (p, q) = (UnsafeRawPointer(x), UnsafeRawPointer(y))
        if count >= 8 {
            var index = 0
            while count - index > 8 {
                if p.loadUnaligned(fromByteOffset: index, as: UInt64.self) != q.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                    return false
                }
                index += 8
            }
            return p.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == q.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return p.loadUnaligned(as: UInt32.self) == q.loadUnaligned(as: UInt32.self)
                && p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == q.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        // One to three bytes: the first, the middle and the last are all of them.
        return x[0] == y[0] && x[count / 2] == y[count / 2] && x[count - 1] == y[count - 1]
    }

    /// 16 bits of a string's value (its length and first and last eight bytes, mixed), equal for
    /// equal values however they were escaped.
    static func fingerprint(_ value: UnsafeBufferPointer<UInt8>) -> UInt16 {
        let length = value.count
        guard length > 0, let start = value.baseAddress else { return mix(0, 0) }
        if length >= 8 {
            return mix(UInt64(length), load(start) &* 0xBF58_476D_1CE4_E5B9 ^ load(start + length - 8))
        }
        var word: UInt64 = 0
        for offset in 0..<length { word |= UInt64(start[offset]) << (8 * UInt64(offset)) }
        return mix(UInt64(length), word)
    }

    /// The fingerprint of a string token of a text of `count` bytes: a short name is read with one
    /// load when the text goes on far enough past it.
    @inline(__always) static func fingerprint(_ base: UnsafePointer<UInt8>, _ count: Int, _ token: JSONToken) -> UInt16 {
        guard token.flags & JSONToken.Flags.escaped == 0 else {
            var decoded: [UInt8] = []
            decode(base, token, into: &decoded)
            return decoded.withUnsafeBufferPointer { fingerprint($0) }
        }
        let start = Int(token.start) + 1
        let length = Int(token.end) - 1 - start
        if length > 0, length < 8, start + 8 <= count {
            return mix(UInt64(length), load(base + start) & (UInt64.max >> (64 - 8 * UInt64(length))))
        }
        return fingerprint(content(base, token))
    }

    @inline(__always) private static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    @inline(__always) private static func mix(_ length: UInt64, _ bytes: UInt64) -> UInt16 {
        var mixed = (length &* 0x9E37_79B9_7F4A_7C15) ^ bytes
        mixed = (mixed ^ (mixed >> 31)) &* 0x94D0_49BB_1331_11EB
        return UInt16(truncatingIfNeeded: mixed >> 48)
    }

    static func decode(_ base: UnsafePointer<UInt8>, _ token: JSONToken, into output: inout [UInt8]) {
        let text = content(base, token)
        if token.flags & JSONToken.Flags.escaped == 0 {
            output.append(contentsOf: text)
            return
        }
        var decoder = Decoder(text)
        while let byte = decoder.next() { output.append(byte) }
    }

    /// Whether two string tokens (of the same text) have the same value.
    @inline(__always) static func equal(_ base: UnsafePointer<UInt8>, _ one: JSONToken, _ other: JSONToken) -> Bool {
        let a = content(base, one)
        let b = content(base, other)
        if (one.flags | other.flags) & JSONToken.Flags.escaped == 0 {
            return a.count == b.count && bytesEqual(a, b)
        }
        return equal(Decoder(a), Decoder(b))
    }

    /// Whether a string token's value is `value` (UTF-8).
    @inline(__always) static func equal(_ base: UnsafePointer<UInt8>, _ token: JSONToken, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        let text = content(base, token)
        if token.flags & JSONToken.Flags.escaped == 0 {
            return text.count == value.count && bytesEqual(text, value)
        }
        // An escape takes more bytes than what it stands for, so the text is never shorter.
        guard text.count >= value.count else { return false }
        return equal(Decoder(text), value.makeIterator())
    }

    private static func equal(_ one: some IteratorProtocol<UInt8>, _ other: some IteratorProtocol<UInt8>) -> Bool {
        var one = one
        var other = other
        while true {
            let a = one.next()
            guard a == other.next() else { return false }
            if a == nil { return true }
        }
    }

    /// The number of Unicode code points of a string token's value (what JSON Schema's
    /// `minLength` and `maxLength` count).
    static func codePointCount(_ base: UnsafePointer<UInt8>, _ token: JSONToken) -> Int {
        var count = 0
        if token.flags & JSONToken.Flags.escaped == 0 {
            // Every byte but UTF-8's continuation bytes (10xxxxxx) starts a code point.
            let text = content(base, token)
            var index = 0
            var continuations = 0
            while text.count - index >= 8 {
                let word = load(text.baseAddress! + index)
                continuations += (word & ~(word << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                index += 8
            }
            while index < text.count {
                if text[index] & 0xC0 == 0x80 { continuations += 1 }
                index += 1
            }
            count = text.count - continuations
        } else {
            var decoder = Decoder(content(base, token))
            while let byte = decoder.next() {
                if byte & 0xC0 != 0x80 { count += 1 }
            }
        }
        return count
    }
}
