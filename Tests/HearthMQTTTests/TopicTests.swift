import HearthMQTT
import Testing

@Suite struct TopicTests {
    /// MQTT 5 §4.7.1–§4.7.2 and 3.1.1 §4.7, including every example in their text.
    @Test(arguments: [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("sport/tennis/#", "sport/tennis", true),
        ("sport/tennis/#", "sport/tennisplayer1", false),
        ("sport/tennis/#", "sport", false),
        ("#", "sport/tennis/player1", true),
        ("#", "/", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+", "finance", true),
        ("+/tennis/#", "sport/tennis/player1", true),
        ("+/+/+", "a//c", true),
        ("a/+/c", "a//c", true),
        ("a/+/c", "a/c", false),
        ("/finance", "/finance", true),
        ("/finance", "finance", false),
        ("finance", "/finance", false),
        ("a/b", "a/b/", false),
        ("a/b/", "a/b/", true),
        ("Sport", "sport", false),
        ("#", "$SYS/monitor/Clients", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("$SYS/#", "$SYS", true),
        ("+", "$SYS", false),
        ("a/$SYS/#", "a/$SYS/x", true),
        ("+/$SYS", "a/$SYS", true),
        ("café/+", "café/x", true),
    ])
    func matching(_ filter: String, _ topic: String, _ expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test func matchingComparesBytesNotCanonicalEquivalence() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(try !TopicFilter(composed).matches(decomposed))
        #expect(try TopicFilter(composed) != TopicFilter(decomposed))
        #expect(try Set([TopicFilter(composed), TopicFilter(decomposed)]).count == 2)
    }

    @Test func levelsSplitAtTheSlashByteEvenBeforeACombiningMark() throws {
        let filter = try TopicFilter("a/\u{301}b")
        #expect(filter.levels == ["a", "\u{301}b"])
        #expect(filter.matches("a/\u{301}b"))
        // "#" with a combining mark is still a "#" that is not a whole level.
        #expect(throws: MQTTProtocolError.self) { try TopicFilter("a/#\u{301}") }
    }

    @Test(arguments: ["", "sport/tennis#", "sport/tennis/#/ranking", "#/", "sport+", "+sport", "a/++/b", "a/b+c",
                      "##", "a/\u{0}"])
    func invalidFilters(_ filter: String) {
        #expect(throws: MQTTProtocolError.self) { try TopicFilter(filter) }
        do {
            _ = try TopicFilter(filter)
        } catch {
            #expect(error.reason == .topicFilterInvalid)
        }
    }

    @Test func filterBasics() throws {
        let filter = try TopicFilter("sport/+/player1/#")
        #expect(filter.text == "sport/+/player1/#")
        #expect(filter.levels == ["sport", "+", "player1", "#"])
        #expect(filter.hasWildcards)
        #expect(try !TopicFilter("sport/tennis").hasWildcards)
        #expect(try TopicFilter("/").levels == ["", ""])
        _ = try TopicFilter(String(repeating: "a", count: 65535))
        #expect(throws: MQTTProtocolError.self) { try TopicFilter(String(repeating: "a", count: 65536)) }
    }

    @Test(arguments: ["", "a/+", "#", "a/#", "+", "a\u{0}b", String(repeating: "x", count: 65536)])
    func invalidTopicNames(_ topic: String) {
        do {
            try TopicName.validate(topic)
            Issue.record("\(topic.prefix(20)) was accepted")
        } catch {
            #expect(error.reason == .topicNameInvalid)
        }
    }

    /// A wildcard or U+0000 at every position of topics of 1 to 40 bytes (so in every byte of the
    /// eight-byte words the check reads, and in the bytes after the last whole word) is refused;
    /// the same topics with a neighbouring byte in its place ("*", ",", '"', "$", U+0001, "é") are not.
    @Test func everyPositionOfAForbiddenByteIsFound() throws {
        for length in 1...40 {
            for position in 0..<length {
                for forbidden in ["+", "#", "\u{0}"] {
                    let topic = String(repeating: "a", count: position) + forbidden + String(repeating: "b", count: length - position - 1)
                    #expect(throws: MQTTProtocolError.self, "\(length) \(position)") { try TopicName.validate(topic) }
                }
                for allowed in ["*", ",", "\"", "$", "\u{1}", "é"] {
                    let topic = String(repeating: "a", count: position) + allowed + String(repeating: "b", count: length - position - 1)
                    try TopicName.validate(topic)
                }
            }
        }
    }

    @Test(arguments: ["a", "/", "//", "$SYS/x", "sport/tennis/player1", "a b", "😀"])
    func validTopicNames(_ topic: String) throws {
        try TopicName.validate(topic)
    }

    @Test func sharedSubscriptionFilters() throws {
        let shared = try #require(try SharedTopicFilter("$share/consumer1/sport/tennis/+"))
        #expect(shared.shareName == "consumer1")
        #expect(shared.filter.text == "sport/tennis/+")
        #expect(shared.filter.matches("sport/tennis/player1"))
        #expect(try SharedTopicFilter("sport/tennis") == nil)
        #expect(try SharedTopicFilter("$shared/x") == nil)
        for bad in ["$share/", "$share/name", "$share//a", "$share/na+me/a", "$share/n#/a", "$share/n/"] {
            #expect(throws: MQTTProtocolError.self, "\(bad)") { try SharedTopicFilter(bad) }
        }
    }
}
