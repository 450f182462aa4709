import HearthMQTT

/// One household's subscriptions, indexed so a message is matched against the filters that can
/// match it, not against all of them: a filter whose first two levels are literal
/// (`devices/<id>/cmd/#`, the common case) sits in the bucket of those two levels; the others
/// (`+/…`, `devices/+/state`, `#`, one-level filters) are tried for every message.
///
/// Devices publish to the same few topics again and again, so what a topic reaches is also kept
/// (``routes(for:)``) until the subscriptions change.
struct SubscriptionIndex: Sendable {
    /// Filter text → session key → subscription.
    private(set) var entries: [String: [String: SubscriptionGrant]] = [:]
    private var buckets: [String: Set<String>] = [:]
    private var general: Set<String> = []
    private var routeCache: [String: [Route]] = [:]

    /// Topics whose routes are kept; past that the cache starts again (a household publishing
    /// to ever new topics pays the matching it would pay without a cache).
    static let routeCacheLimit = 4_096

    /// The subscriptions of one session that a topic reaches (several when filters overlap).
    struct Route: Sendable {
        let key: String
        let grants: [SubscriptionGrant]
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Every session a topic reaches, with its matching subscriptions.
    mutating func routes(for topic: String) -> [Route] {
        if let known = routeCache[topic] { return known }
        var grouped: [String: [SubscriptionGrant]] = [:]
        matching(topic, TopicLevels(topic)) { key, grant in grouped[key, default: []].append(grant) }
        let routes = grouped.map { Route(key: $0.key, grants: $0.value) }
        if routeCache.count >= Self.routeCacheLimit { routeCache.removeAll(keepingCapacity: true) }
        routeCache[topic] = routes
        return routes
    }

    mutating func add(_ grant: SubscriptionGrant, for key: String) {
        routeCache.removeAll()
        let filter = grant.filter.text
        if entries[filter] == nil {
            if let bucket = Self.bucket(of: grant.filter) { buckets[bucket, default: []].insert(filter) } else { general.insert(filter) }
        }
        entries[filter, default: [:]][key] = grant
    }

    mutating func remove(_ filter: String, for key: String) {
        guard entries[filter]?.removeValue(forKey: key) != nil else { return }
        routeCache.removeAll()
        guard entries[filter]?.isEmpty == true else { return }
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
