/// Why TUF metadata, a key or a release was refused: said so a maker or operator can act on it.
public enum TUFError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not metadata this code can read: bad JSON, a missing or mistyped field.
    case malformed(String)
    /// Too few valid signatures from the keys the role trusts.
    case unsigned(role: String, valid: Int, threshold: Int)
    /// A version that does not follow the trusted one.
    case version(role: String, String)
    case expired(role: String, expires: String)
    /// A key TUF knows but this code cannot use, or one that does not parse.
    case key(String)
    /// A release the maker may not publish, or that contradicts an earlier one.
    case release(String)

    public var description: String {
        switch self {
        case .malformed(let why): why
        case .unsigned(let role, let valid, let threshold):
            "the \(role) metadata has \(valid) valid signature\(valid == 1 ? "" : "s") from its keys; it needs \(threshold)"
        case .version(let role, let why): "the \(role) metadata's version: \(why)"
        case .expired(let role, let expires): "the \(role) metadata expired at \(expires)"
        case .key(let why): why
        case .release(let why): why
        }
    }
}
