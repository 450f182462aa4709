/// Why a text is not the strict JSON the hub accepts: the problem and the byte offset where it was
/// found, never the text itself (payloads come from devices and errors are logged and sent back).
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A struct rather than an enum so that new checks can be added without breaking switches.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let empty = Problem("empty text")
        public static let unexpectedEnd = Problem("unexpected end of text")
        public static let unexpectedByte = Problem("unexpected byte")
        public static let trailingComma = Problem("trailing comma")
        public static let trailingContent = Problem("content after the value")
        public static let invalidUTF8 = Problem("invalid UTF-8")
        public static let controlCharacter = Problem("unescaped control character in a string")
        public static let invalidEscape = Problem("invalid escape")
        public static let loneSurrogate = Problem("unpaired UTF-16 surrogate escape")
        public static let leadingZero = Problem("number with a leading zero")
        public static let invalidNumber = Problem("invalid number")
        public static let numberOutOfRange = Problem("number out of the range of a double")
        public static let tooDeep = Problem("nesting deeper than \(JSONParser.maximumDepth)")
        public static let duplicateKey = Problem("duplicate member name")
        public static let tooLarge = Problem("text larger than 4 GiB")
        /// More values than the parser's stack buffer holds: only ever seen inside the parser,
        /// which then parses again into a buffer large enough for any text of that size.
        static let tokenSpace = Problem("more values than the buffer holds")
    }

    public let problem: Problem
    /// Where it was found, counted in bytes from the start of the text.
    public let offset: Int

    public init(_ problem: Problem, at offset: Int) {
        self.problem = problem
        self.offset = offset
    }

    public var description: String { "\(problem) at byte \(offset)" }
}
