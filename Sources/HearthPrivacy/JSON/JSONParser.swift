/// A strict RFC 8259 parser into a flat token array.
///
/// Strict because the hub decides on what it reads, and a lenient reading of a payload is one the
/// device's maker may not have meant: no trailing commas, comments, `NaN`, leading zeros or
/// numbers a double cannot hold; strings must be valid UTF-8 and their `\u` escapes paired
/// surrogates (so every string has a UTF-8 value); an object may not name a member twice (RFC 8259
/// §4 leaves the meaning to the reader, and readers disagree); nesting stops at `maximumDepth`.
/// Any JSON value may be the top-level one (RFC 8259 §2).
///
/// Nothing is allocated per value: tokens are written into one buffer, and open containers form
/// a linked stack through their own `next` fields until they close. `withParsed` (the hot path)
/// puts that buffer on the stack when the text has at most `stackTokens` values.
public enum JSONParser {
    /// Containers inside containers: 32 is deeper than any telemetry needs, and bounds the work a
    /// hostile text can cause.
    public static let maximumDepth = 32

    /// Values `withParsed` keeps on the stack: 64 tokens are 1 KiB, what Swift's temporary
    /// allocations take from the stack without checking its size.
    public static let stackTokens = 64

    /// The most tokens a text of `count` bytes can make: every value but the first in its container
    /// follows a separator, and a container takes two bytes, so 2 × tokens − 1 ≤ bytes.
    @usableFromInline static func tokenBound(_ count: Int) -> Int { (count + 1) / 2 + 1 }

    /// Parses `bytes` and runs `body` on the result, without allocating for texts of at most
    /// `stackTokens` values. The view is valid only inside `body`.
    @inlinable public static func withParsed<Output>(
        _ bytes: UnsafeRawBufferPointer, _ body: (JSONView) -> Output
    ) throws(JSONSyntaxError) -> Output {
        let onStack = withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: stackTokens) { buffer -> Output? in
            guard let count = scan(bytes, into: buffer) else { return nil }
            return body(JSONView(bytes: bytes, tokens: UnsafeBufferPointer(rebasing: buffer[..<count])))
        }
        if let onStack { return onStack }
        let buffer = UnsafeMutableBufferPointer<JSONToken>.allocate(capacity: tokenBound(bytes.count))
        defer { buffer.deallocate() }
        let count = try scanReportingErrors(bytes, into: buffer)
        return body(JSONView(bytes: bytes, tokens: UnsafeBufferPointer(rebasing: buffer[..<count])))
    }

    /// Parses into a buffer that may be too small: the number of tokens, or nil when it was (or the
    /// text is not JSON: parsing again with room enough says why).
    @usableFromInline static func scan(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<JSONToken>) -> Int? {
        try? scanReportingErrors(bytes, into: buffer)
    }

    @usableFromInline static func scanReportingErrors(
        _ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<JSONToken>
    ) throws(JSONSyntaxError) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONSyntaxError(.empty, at: 0)
        }
        guard bytes.count < Int(UInt32.max) else { throw JSONSyntaxError(.tooLarge, at: 0) }
        var scanner = JSONScanner(base: base, count: bytes.count, tokens: buffer.baseAddress!, capacity: buffer.count)
        try scanner.document()
        return scanner.tokenCount
    }

    /// The tokens of `bytes`, in a new array.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [JSONToken] {
        var failure: JSONSyntaxError?
        let tokens = [JSONToken](unsafeUninitializedCapacity: tokenBound(bytes.count)) { buffer, initialized in
            do throws(JSONSyntaxError) {
                initialized = try scanReportingErrors(bytes, into: buffer)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return tokens
    }
}

/// The parser's cursor over one text, and the tokens written so far (plain values, so an
/// abandoned buffer needs no cleanup).
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0
    let tokens: UnsafeMutablePointer<JSONToken>
    let capacity: Int
    var tokenCount = 0

    init(base: UnsafePointer<UInt8>, count: Int, tokens: UnsafeMutablePointer<JSONToken>, capacity: Int) {
        self.base = base
        self.count = count
        self.tokens = tokens
        self.capacity = capacity
    }

    mutating func document() throws(JSONSyntaxError) {
        skipWhitespace()
        try value(depth: 0)
        skipWhitespace()
        guard position == count else { throw JSONSyntaxError(.trailingContent, at: position) }
    }

    @inline(__always) func fail(_ problem: JSONSyntaxError.Problem, _ at: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(problem, at: at ?? position)
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < count {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The byte at the cursor, or an end-of-text error.
    @inline(__always) func peek() throws(JSONSyntaxError) -> UInt8 {
        guard position < count else { throw fail(.unexpectedEnd) }
        return base[position]
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) {
        switch try peek() {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal(0x74_72_75_65, length: 4, .true)
        case UInt8(ascii: "f"): try literal(0x66_61_6C_73_65, length: 5, .false)
        case UInt8(ascii: "n"): try literal(0x6E_75_6C_6C, length: 4, .null)
        default: throw fail(.unexpectedByte)
        }
    }

    /// `true`, `false` or `null`, given as big-endian bytes.
    mutating func literal(_ word: UInt64, length: Int, _ kind: JSONToken.Kind) throws(JSONSyntaxError) {
        guard count - position >= length else { throw fail(.unexpectedEnd) }
        var read: UInt64 = 0
        for offset in 0..<length { read = read << 8 | UInt64(base[position + offset]) }
        guard read == word else { throw fail(.unexpectedByte) }
        try append(kind, flags: 0, start: position, end: position + length)
        position += length
    }

    @inline(__always) mutating func append(_ kind: JSONToken.Kind, flags: UInt8, start: Int, end: Int) throws(JSONSyntaxError) {
        guard tokenCount < capacity else { throw fail(.tokenSpace) }
        (tokens + tokenCount).initialize(to: JSONToken(
            kind: kind, flags: flags, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: end),
            next: UInt32(truncatingIfNeeded: tokenCount + 1)))
        tokenCount += 1
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONParser.maximumDepth else { throw fail(.tooDeep) }
        let index = tokenCount
        try append(.object, flags: 0, start: position, end: position)
        position += 1
        skipWhitespace()
        var names = NameSet()
        if try peek() != UInt8(ascii: "}") {
            while true {
                guard try peek() == UInt8(ascii: "\"") else {
                    throw fail(names.count > 0 && base[position] == UInt8(ascii: "}") ? .trailingComma : .unexpectedByte)
                }
                let key = tokenCount
                try string()
                try names.insert(key, of: index, &self)
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else { throw fail(.unexpectedByte) }
                position += 1
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                let separator = try peek()
                if separator == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace()
                } else if separator == UInt8(ascii: "}") {
                    break
                } else {
                    throw fail(.unexpectedByte)
                }
            }
        }
        position += 1
        tokens[index].end = UInt32(truncatingIfNeeded: position)
        tokens[index].next = UInt32(truncatingIfNeeded: tokenCount)
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONParser.maximumDepth else { throw fail(.tooDeep) }
        let index = tokenCount
        try append(.array, flags: 0, start: position, end: position)
        position += 1
        skipWhitespace()
        if try peek() != UInt8(ascii: "]") {
            while true {
                try value(depth: depth)
                skipWhitespace()
                let separator = try peek()
                if separator == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace()
                    if try peek() == UInt8(ascii: "]") { throw fail(.trailingComma) }
                } else if separator == UInt8(ascii: "]") {
                    break
                } else {
                    throw fail(.unexpectedByte)
                }
            }
        }
        position += 1
        tokens[index].end = UInt32(truncatingIfNeeded: position)
        tokens[index].next = UInt32(truncatingIfNeeded: tokenCount)
    }
}
