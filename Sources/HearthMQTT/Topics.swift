import HearthBytes

private let separator = UInt8(ascii: "/")
private let singleLevel = UInt8(ascii: "+")
private let multiLevel = UInt8(ascii: "#")
private let maximumLength = Int(UInt16.max)

/// Topic names: what a PUBLISH is sent to (MQTT 5 §4.7).
public enum TopicName {
    /// Non-empty, at most 65535 UTF-8 bytes, and free of wildcards and U+0000.
    public static func validate(_ topic: String) throws(MQTTProtocolError) {
        guard !topic.isEmpty else { throw MQTTProtocolError(.topicNameInvalid, "topic name is empty") }
        guard topic.utf8.count <= maximumLength else {
            throw MQTTProtocolError(.topicNameInvalid, "topic name is longer than 65535 bytes")
        }
        var topic = topic
        // Every PUBLISH's topic is checked: eight bytes at a time, and byte by byte only to word an error.
        guard topic.withUTF8({ WordScan.contains(0, singleLevel, multiLevel, in: UnsafeRawBufferPointer($0)) }) else { return }
        for byte in topic.utf8 {
            guard byte != singleLevel, byte != multiLevel else {
                throw MQTTProtocolError(.topicNameInvalid, "topic name contains a wildcard")
            }
            guard byte != 0 else { throw MQTTProtocolError(.topicNameInvalid, "topic name contains U+0000") }
        }
    }
}

/// A subscription's topic filter (MQTT 5 §4.7), validated and split into levels.
///
/// Levels split at the byte "/" and compare byte for byte: the spec forbids normalizing topics, and
/// Swift's `String` equality is canonical equivalence, under which two different topics can be equal.
/// Equality and hashing of filters follow the bytes for the same reason.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let levels: [String]

    /// Throws Topic Filter Invalid for an empty or over-long filter, U+0000, a "#" that is not a whole
    /// last level, or a "+" that is not a whole level.
    public init(_ text: String) throws(MQTTProtocolError) {
        guard !text.isEmpty else { throw MQTTProtocolError(.topicFilterInvalid, "topic filter is empty") }
        guard text.utf8.count <= maximumLength else {
            throw MQTTProtocolError(.topicFilterInvalid, "topic filter is longer than 65535 bytes")
        }
        guard !text.utf8.contains(0) else {
            throw MQTTProtocolError(.topicFilterInvalid, "topic filter contains U+0000")
        }
        let levels = text.utf8.split(separator: separator, omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains(multiLevel), !(level.elementsEqual([multiLevel]) && index == levels.count - 1) {
                throw MQTTProtocolError(.topicFilterInvalid, "\"#\" is not the whole last level")
            }
            if level.contains(singleLevel), !level.elementsEqual([singleLevel]) {
                throw MQTTProtocolError(.topicFilterInvalid, "\"+\" is not a whole level")
            }
        }
        self.text = text
        // Splitting valid UTF-8 at an ASCII byte leaves valid UTF-8 on both sides.
        self.levels = levels.map { String(decoding: $0, as: UTF8.self) }
    }

    public var hasWildcards: Bool { levels.contains { $0 == "+" || $0 == "#" } }

    public var description: String { text }

    /// Whether a PUBLISH to `topic` reaches this filter (MQTT 5 §4.7.1–§4.7.2): "#" also matches the
    /// parent level ("sport/#" matches "sport"), "+" matches exactly one level, possibly empty, and a
    /// filter starting with a wildcard never matches a topic starting with "$".
    public func matches(_ topic: String) -> Bool {
        matches(TopicLevels(topic))
    }

    /// The same, for a topic split once for all the filters it is matched against.
    public func matches(_ topic: TopicLevels) -> Bool {
        if let first = levels.first, first == "+" || first == "#", topic.isSystem {
            return false
        }
        for (index, level) in levels.enumerated() {
            if level == "#" { return true }
            guard index < topic.levels.count else { return false }
            if level != "+", !Self.sameBytes(level, topic.levels[index]) { return false }
        }
        return levels.count == topic.levels.count
    }

    /// Byte equality (topics compare as bytes, not as Unicode text), on raw buffers when both
    /// sides are contiguous: through the views' indices it was the broker's costliest comparison.
    private static func sameBytes(_ level: String, _ topicLevel: Substring.UTF8View) -> Bool {
        let utf8 = level.utf8
        guard utf8.count == topicLevel.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { lhs in
            topicLevel.withContiguousStorageIfAvailable { rhs in
                lhs.elementsEqual(rhs)
            }
        }
        return (compared ?? nil) ?? utf8.elementsEqual(topicLevel)
    }

    public static func == (lhs: TopicFilter, rhs: TopicFilter) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
    }
}

/// An MQTT 5 shared subscription, `$share/{ShareName}/{filter}` (MQTT 5 §4.8.2).
///
/// Kept apart from ``TopicFilter``, which stays literal: on a 3.1.1 connection "$share/…" is an
/// ordinary filter.
public struct SharedTopicFilter: Sendable, Hashable {
    public let shareName: String
    public let filter: TopicFilter

    private static let prefix = Array("$share/".utf8)

    /// Nil when `text` does not start with "$share/"; throws Topic Filter Invalid when it does but the
    /// share name is empty or holds a wildcard, or no valid filter follows it.
    public init?(_ text: String) throws(MQTTProtocolError) {
        guard text.utf8.starts(with: Self.prefix) else { return nil }
        let rest = text.utf8.dropFirst(Self.prefix.count)
        guard let slash = rest.firstIndex(of: separator) else {
            throw MQTTProtocolError(.topicFilterInvalid, "shared subscription has no topic filter")
        }
        let name = rest[..<slash]
        guard !name.isEmpty, !name.contains(singleLevel), !name.contains(multiLevel) else {
            throw MQTTProtocolError(.topicFilterInvalid, "share name is empty or holds a wildcard")
        }
        shareName = String(decoding: name, as: UTF8.self)
        filter = try TopicFilter(String(decoding: rest[rest.index(after: slash)...], as: UTF8.self))
    }
}

/// A topic name split at "/" (by bytes), to match against many filters.
public struct TopicLevels: Sendable {
    public let levels: [Substring.UTF8View]
    /// Starts with "$": wildcards at the first level do not reach it.
    public let isSystem: Bool

    public init(_ topic: String) {
        levels = topic.utf8.split(separator: separator, omittingEmptySubsequences: false)
        isSystem = topic.utf8.first == UInt8(ascii: "$")
    }
}
