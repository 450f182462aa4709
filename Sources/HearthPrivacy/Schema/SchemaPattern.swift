/// A `pattern`, compiled once when the schema is.
///
/// JSON Schema asks for ECMA-262 regular expressions, searched (unanchored, as Python's
/// `re.search`, which the reference validator uses). Swift `Regex` accepts that syntax for the
/// patterns schemas are made of; it is told to match Unicode scalars rather than grapheme clusters,
/// as ECMA-262 and Python do (so `e` is found in "e" + U+0301). Known differences: `$` matches only
/// at the very end (Python's also before a final newline), and `\d`, `\w` are Unicode-aware (as in
/// Python, unlike ECMA-262).
///
/// `@unchecked Sendable`: `Regex` is Sendable only when its output type is, and a pattern with
/// groups has `AnyRegexOutput`, which is not; the regex itself is an immutable value. It is run
/// once in `init`, so that its lazily lowered program exists before the value is shared.
struct SchemaPattern: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init?(_ source: String) {
        guard let regex = try? Regex(source) else { return nil }
        self.regex = regex.matchingSemantics(.unicodeScalar)
        _ = isFound(in: "")
    }

    func isFound(in text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
