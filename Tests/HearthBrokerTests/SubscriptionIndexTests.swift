@testable import HearthBroker
import HearthMQTT
import Testing

/// The bucketed subscription index finds exactly what matching every filter would find.
@Suite struct SubscriptionIndexTests {
    static let filters = [
        "devices/a/cmd/#", "devices/a/cmd/power", "devices/b/cmd/#", "devices/+/state", "devices/#", "#", "+/a/#",
        "devices/a", "devices", "devices/a/#", "$SYS/#", "+", "/", "/x/#", "devices//cmd",
    ]
    static let topics = [
        "devices/a/cmd/power", "devices/a/cmd", "devices/b/cmd/x", "devices/a/state", "devices/a", "devices", "x/a/y",
        "$SYS/uptime", "/", "/x", "/x/y", "devices//cmd", "a",
    ]

    static func grant(_ filter: String) throws -> SubscriptionGrant {
        SubscriptionGrant(filter: try TopicFilter(filter), options: Subscription(filter: filter, qos: .atLeastOnce), identifier: nil)
    }

    static func matches(_ index: SubscriptionIndex, _ topic: String) -> Set<String> {
        var found: Set<String> = []
        index.matching(topic, TopicLevels(topic)) { key, _ in found.insert(key) }
        return found
    }

    @Test func findsWhatEveryFilterWouldMatch() throws {
        var index = SubscriptionIndex()
        for (number, filter) in Self.filters.enumerated() { index.add(try Self.grant(filter), for: "s\(number)") }
        for topic in Self.topics {
            let expected = Set(try Self.filters.enumerated().filter { try TopicFilter($0.element).matches(topic) }.map { "s\($0.offset)" })
            #expect(Self.matches(index, topic) == expected, "\(topic)")
        }
    }

    @Test func removingTheLastSubscriberOfAFilterForgetsIt() throws {
        var index = SubscriptionIndex()
        index.add(try Self.grant("devices/a/cmd/#"), for: "one")
        index.add(try Self.grant("devices/a/cmd/#"), for: "two")
        index.add(try Self.grant("devices/+/state"), for: "one")
        index.remove("devices/a/cmd/#", for: "one")
        #expect(Self.matches(index, "devices/a/cmd/x") == ["two"])
        index.remove("devices/a/cmd/#", for: "two")
        index.remove("devices/+/state", for: "one")
        #expect(Self.matches(index, "devices/a/cmd/x").isEmpty)
        #expect(index.isEmpty)
    }

    static func routed(_ index: inout SubscriptionIndex, _ topic: String) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: index.routes(for: topic).map { ($0.key, $0.grants.count) })
    }

    @Test func routesAreWhatMatchingFindsAndFollowEveryChange() throws {
        var index = SubscriptionIndex()
        for (number, filter) in Self.filters.enumerated() { index.add(try Self.grant(filter), for: "s\(number % 5)") }
        for topic in Self.topics + Self.topics {
            var expected: [String: Int] = [:]
            index.matching(topic, TopicLevels(topic)) { key, _ in expected[key, default: 0] += 1 }
            #expect(Self.routed(&index, topic) == expected, "\(topic)")
        }
        // A topic routed before a change is routed anew after it.
        #expect(Self.routed(&index, "devices/b/cmd/x")["s2"] == 1)
        index.add(try Self.grant("devices/b/cmd/x"), for: "s2")
        index.add(try Self.grant("devices/b/cmd/x"), for: "new")
        #expect(Self.routed(&index, "devices/b/cmd/x")["s2"] == 2)
        #expect(Self.routed(&index, "devices/b/cmd/x")["new"] == 1)
        index.remove("devices/b/cmd/x", for: "new")
        #expect(Self.routed(&index, "devices/b/cmd/x")["new"] == nil)
        #expect(Self.routed(&index, "devices/b/cmd/x")["s2"] == 2)
    }

    @Test func moreTopicsThanTheCacheHoldsStillRouteCorrectly() throws {
        var index = SubscriptionIndex()
        index.add(try Self.grant("devices/+/state"), for: "watcher")
        index.add(try Self.grant("devices/7/state"), for: "seven")
        for round in 0..<2 {
            for n in 0..<(SubscriptionIndex.routeCacheLimit + 100) {
                let expected: Set<String> = n == 7 ? ["watcher", "seven"] : ["watcher"]
                #expect(Set(index.routes(for: "devices/\(n)/state").map(\.key)) == expected, "round \(round), topic \(n)")
            }
        }
    }
}
