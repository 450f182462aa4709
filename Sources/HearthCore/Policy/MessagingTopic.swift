/// A topic name or filter inside one household's namespace (the broker strips and adds the
/// household mount point, so nothing here can name another household), split into levels.
public struct MessagingTopic: Sendable, Hashable, CustomStringConvertible {
    public let levels: [Substring]

    public init(_ text: String) {
        // By bytes: "/" is ASCII, so every level stays valid UTF-8 (and no grapheme joins across it).
        levels = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
    }

    public var description: String { levels.joined(separator: "/") }

    /// `devices/<id>/…`: the device a topic is about.
    public var device: Substring? {
        levels.count >= 3 && levels[0] == "devices" && !Self.isWildcard(levels[1]) ? levels[1] : nil
    }

    /// `devices/<id>/cmd/<name…>`: the device a command is for.
    public var commandTarget: Substring? {
        guard let device, levels.count >= 4, levels[2] == "cmd" else { return nil }
        return device
    }

    /// Whether every topic this filter can match is also matched by `pattern` (both filters),
    /// level by level: `+` in the pattern covers any one level, `#` covers the rest; a `#` in
    /// this filter is covered only by a `#` in the pattern. A filter that spans two patterns is
    /// not covered by either — a subscription must fit one grant.
    public func isCovered(by pattern: MessagingTopic) -> Bool {
        for (index, level) in levels.enumerated() {
            guard index < pattern.levels.count else { return false }
            let allowed = pattern.levels[index]
            if allowed == "#" { return true }
            if level == "#" { return false }
            if allowed == "+" { continue }
            if level == "+" || level != allowed { return false }
        }
        // "a/b" is covered by "a/b/#" too: `#` also matches its parent level.
        return pattern.levels.count == levels.count
            || (pattern.levels.count == levels.count + 1 && pattern.levels.last == "#")
    }

    static func isWildcard(_ level: Substring) -> Bool { level == "+" || level == "#" }
}
