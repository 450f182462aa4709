import Foundation
import HearthCore
@testable import HearthSimulation
import Testing

/// Scenario files: the shipped ones are valid, and a broken one is refused saying where.
@Suite struct ScenarioTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    @Test func theShippedScenariosAreValid() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names == [
            "attack-day.json", "hub-restart.json", "normal-day.json", "pairing-burst.json", "partition.json",
            "renewal-storm.json", "token-storm.json",
        ])
        for name in names {
            let scenario = try Scenario.load(Self.folder.appendingPathComponent(name))
            #expect(scenario.name + ".json" == name)
            #expect(!scenario.expect.isEmpty, "\(name) is also a test: it sets expectations")
        }
        let day = try Scenario.load(Self.folder.appendingPathComponent("normal-day.json"))
        #expect(day.deviceCount == 10_000 && day.duration >= 600)
    }

    static let valid = """
        {"name": "t", "description": "", "duration": 60, "hub": {"certificateLifetime": 60},
         "kinds": [{"name": "sensor", "count": 2, "telemetryEvery": 5, "qos": 1}],
         "timeline": [{"at": 10, "event": "partition", "share": 0.5, "duration": 5}], "expect": {}}
        """

    @Test(arguments: [
        ("\"duration\": 60", "\"duration\": 0", "duration must be more than 0"),
        ("\"certificateLifetime\": 60", "\"certificateLifetime\": 59", "hub.certificateLifetime must be 60 to 2592000"),
        ("\"name\": \"sensor\"", "\"name\": \"Sensor!\"", "kind name 'Sensor!'"),
        ("\"qos\": 1", "\"qos\": 2", "qos must be 0 or 1"),
        ("\"share\": 0.5", "\"share\": 1.5", "timeline[0] (partition): share must be"),
        ("\"at\": 10", "\"at\": 99", "timeline[0] (partition): at must be within the duration"),
        (", \"duration\": 5}", "}", "timeline[0] (partition): needs share and duration"),
        ("\"event\": \"partition\"", "\"event\": \"meteor\"", "timeline[0].event is not valid"),
        ("\"telemetryEvery\": 5, ", "", "kinds[0] lacks telemetryEvery"),
    ])
    func aBrokenScenarioIsRefusedSayingWhere(_ change: (String, String, String)) throws {
        #expect(try Scenario.parse(Data(Self.valid.utf8)).kinds.count == 1)
        let broken = Self.valid.replacingOccurrences(of: change.0, with: change.1)
        #expect(broken != Self.valid, "the case changes the document")
        let error = #expect(throws: HearthError.self) { try Scenario.parse(Data(broken.utf8), source: "t.json") }
        #expect(error?.code == .invalidInput)
        #expect(error?.reason.hasPrefix("t.json: ") == true && error?.reason.contains(change.2) == true, "\(error?.reason ?? "")")
    }
}

extension Scenario.Expectations {
    var isEmpty: Bool { self == Scenario.Expectations() }
}
