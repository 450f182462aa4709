import HearthMQTT

/// One household's subscriptions, indexed so a message is matched against the filters that can
/// match it, not against all of them: a filter whose first two levels are literal
/// (`devices/<id>/cmd/#`, the common case) sits in the bucket of those two levels; the others
/// (`+/…`, `devices/+/state`, `#`, one-level filters) are tried for every message.
struct SubscriptionIndex: Sendable {
    /// Filter text → session key → subscription.
    private(set) var entries: [String: [String: SubscriptionGrant]] = [:]
    private var buckets: [String: Set<String>] = [:]
    private var general: Set<String> = []

    var isEmpty: Bool { entries.isEmpty }

    mutating func add(_ grant: SubscriptionGrant, for key: String) {
        let filter = grant.filter.text
        if entries[filter] == nil {
            if let bucket = Self.bucket(of: grant.filter) { buckets[bucket, default: []].insert(filter) } else { general.insert(filter) }
        }
        entries[filter, default: [:]][key] = grant
    }

    mutating func remove(_ filter: String, for key: String) {
        guard entries[filter]?.removeValue(forKey: key) != nil, entries[filter]?.isEmpty == true else { return }
        entries[filter] = nil
        general.remove(filter)
        if let grant = try? TopicFilter(filter), let bucket = Self.bucket(of: grant) {
            buckets[bucket]?.remove(filter)
            if buckets[bucket]?.isEmpty == true { buckets[bucket] = nil }
        }
    }

    /// Every subscription whose filter matches the topic.
    func matching(_ topic: String, _ levels: TopicLevels, _ body: (String, SubscriptionGrant) -> Void) {
        func visit(_ filter: String) {
            guard let subscribers = entries[filter], let first = subscribers.first?.value, first.filter.matches(levels) else { return }
            for (key, grant) in subscribers { body(key, grant) }
        }
        if let bucket = Self.bucket(of: topic), let filters = buckets[bucket] {
            for filter in filters { visit(filter) }
        }
        for filter in general { visit(filter) }
    }

    /// The first two levels of a filter, when both are literal.
    private static func bucket(of filter: TopicFilter) -> String? {
        guard filter.levels.count >= 2 else { return nil }
        let first = filter.levels[0], second = filter.levels[1]
        guard first != "+", first != "#", second != "+", second != "#" else { return nil }
        return first + "/" + second
    }

    /// The first two levels of a topic (a topic of one level has none: only general filters match it).
    private static func bucket(of topic: String) -> String? {
        let utf8 = topic.utf8
        guard let first = utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let end = utf8[utf8.index(after: first)...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
        return String(topic[..<end])
    }
}
