/// A parsed JSON text, borrowed: the text's bytes and its tokens, valid only while both buffers
/// are. What the hot path reads a payload through without copying it.
public struct JSONView {
    public let bytes: UnsafeRawBufferPointer
    public let tokens: UnsafeBufferPointer<JSONToken>
    let base: UnsafePointer<UInt8>

    /// `tokens` must be what `JSONParser` made of `bytes`.
    public init(bytes: UnsafeRawBufferPointer, tokens: UnsafeBufferPointer<JSONToken>) {
        self.bytes = bytes
        self.tokens = tokens
        base = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
    }

    public subscript(index: Int) -> JSONToken { tokens[index] }

    /// A value's text as it was written, whitespace inside containers included.
    public func text(of index: Int) -> UnsafeBufferPointer<UInt8> {
        let token = tokens[index]
        return UnsafeBufferPointer(start: base + Int(token.start), count: Int(token.end - token.start))
    }

    // MARK: numbers

    /// A number token's value, correctly rounded.
    public func double(at index: Int) -> Double {
        JSONNumbers.double(text(of: index))
    }

    /// Whether a number token is an integer in JSON Schema's sense: no fractional part, however it
    /// was written (`1.0` and `1e2` are integers).
    public func isInteger(at index: Int) -> Bool {
        if tokens[index].hasIntegerSyntax { return true }
        let value = double(at: index)
        return value.isFinite && value == value.rounded(.towardZero)
    }

    // MARK: strings

    /// A string token's value as UTF-8, escapes decoded.
    public func stringBytes(at index: Int) -> [UInt8] {
        var value: [UInt8] = []
        JSONStrings.decode(base, tokens[index], into: &value)
        return value
    }

    /// A string token's value.
    public func string(at index: Int) -> String {
        let token = tokens[index]
        if token.isVerbatimString { return String(decoding: JSONStrings.content(base, token), as: UTF8.self) }
        return String(decoding: stringBytes(at: index), as: UTF8.self)
    }

    /// Whether a string token's value is `value` (UTF-8), byte for byte: `"\u0074emp"` is `temp`.
    public func string(at index: Int, equals value: UnsafeBufferPointer<UInt8>) -> Bool {
        JSONStrings.equal(base, tokens[index], value)
    }

    /// The same, for a value followed by at least eight readable bytes (a padded pool of names):
    /// a name of up to eight bytes is compared with one load.
    @inline(__always) func string(at index: Int, equalsPadded value: UnsafePointer<UInt8>, count: Int) -> Bool {
        let token = tokens[index]
        let start = Int(token.start) + 1
        if count <= 8, token.flags == 0, Int(token.end) - 1 - start == count, start + 8 <= bytes.count {
            let mask = count == 8 ? UInt64.max : (1 << (8 * UInt64(count))) &- 1
            let key = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
            return (key ^ UnsafeRawPointer(value).loadUnaligned(as: UInt64.self)) & UInt64(littleEndian: mask) == 0
        }
        return JSONStrings.equal(base, token, UnsafeBufferPointer(start: value, count: count))
    }

    public func string(at index: Int, equals value: [UInt8]) -> Bool {
        value.withUnsafeBufferPointer { JSONStrings.equal(base, tokens[index], $0) }
    }

    public func string(at index: Int, equals value: String) -> Bool {
        var value = value
        return value.withUTF8 { JSONStrings.equal(base, tokens[index], $0) }
    }

    /// Whether two string tokens of this text have the same value.
    public func string(at index: Int, equalsStringAt other: Int) -> Bool {
        JSONStrings.equal(base, tokens[index], tokens[other])
    }

    /// Unicode code points in a string token's value.
    public func codePointCount(at index: Int) -> Int {
        JSONStrings.codePointCount(base, tokens[index])
    }

    // MARK: containers

    /// An object's members: the indices of each key token and its value's first token.
    public func members(of index: Int) -> Members { Members(tokens: tokens, index: index) }

    /// An array's elements: the index of each one's first token.
    public func elements(of index: Int) -> Elements { Elements(tokens: tokens, index: index) }

    /// The value of the member named `name`, if the object at `index` has one.
    public func member(_ name: String, of index: Int) -> Int? {
        for (key, value) in members(of: index) where string(at: key, equals: name) { return value }
        return nil
    }

    public struct Members: Sequence, IteratorProtocol {
        let tokens: UnsafeBufferPointer<JSONToken>
        var key: Int
        let end: Int

        init(tokens: UnsafeBufferPointer<JSONToken>, index: Int) {
            self.tokens = tokens
            key = index + 1
            end = Int(tokens[index].next)
        }

        public mutating func next() -> (key: Int, value: Int)? {
            guard key < end else { return nil }
            let member = (key: key, value: key + 1)
            key = Int(tokens[key + 1].next)
            return member
        }
    }

    public struct Elements: Sequence, IteratorProtocol {
        let tokens: UnsafeBufferPointer<JSONToken>
        var element: Int
        let end: Int

        init(tokens: UnsafeBufferPointer<JSONToken>, index: Int) {
            self.tokens = tokens
            element = index + 1
            end = Int(tokens[index].next)
        }

        public mutating func next() -> Int? {
            guard element < end else { return nil }
            defer { element = Int(tokens[element].next) }
            return element
        }
    }
}
