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
}
