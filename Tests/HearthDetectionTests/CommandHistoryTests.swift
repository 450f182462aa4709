import Foundation
import HearthCore
import HearthDetection
import Testing

/// What makes a command to a `security` device unusual: a commander new to the device, or an hour
/// the household does not use once it has history enough to say; and the alert a held one raises.
@Suite struct CommandHistoryTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)  // 08:00 UTC
    let household = HouseholdID()
    let lock = DeviceID()

    @Test func aCommanderIsFamiliarOnlyWithDevicesItCommanded() {
        let ledger = CommandLedger()
        let context = ledger.context(commander: "person:a", device: lock, household: household, at: Self.start)
        #expect(context == CommandContext(familiar: false, usualHour: true, risk: 0))
        ledger.learn(commander: "person:a", device: lock, household: household, at: Self.start)
        #expect(ledger.context(commander: "person:a", device: lock, household: household, at: Self.start).familiar)
        #expect(!ledger.context(commander: "person:b", device: lock, household: household, at: Self.start).familiar)
        #expect(!ledger.context(commander: "person:a", device: DeviceID(), household: household, at: Self.start).familiar)
        #expect(!ledger.context(commander: "person:a", device: lock, household: HouseholdID(), at: Self.start).familiar)
    }

    @Test func hoursAreJudgedOnlyWithEnoughHistory() {
        let settings = CommandSettings()
        // Sixty commands at 08:00 and 18:00 UTC over ten days.
        var history = CommandHistory()
        for day in 0..<10 {
            for hour in [0.0, 10.0] {
                let at = Self.start.addingTimeInterval(Double(day) * 86_400 + hour * 3600)
                history.add(.init(household: household, commander: "person:a", device: lock, hour: CommandHistory.hour(of: at), count: 3, firstAt: at))
            }
        }
        let tenDaysOn = Self.start.addingTimeInterval(10 * 86_400)
        #expect(history.isUsualHour(tenDaysOn, household: household, settings))  // 08:00
        #expect(history.isUsualHour(tenDaysOn.addingTimeInterval(3600), household: household, settings))  // 09:00, a neighbour
        #expect(!history.isUsualHour(tenDaysOn.addingTimeInterval(-5 * 3600), household: household, settings))  // 03:00
        // Too young a history says nothing about hours.
        #expect(history.isUsualHour(Self.start.addingTimeInterval(2 * 86_400 - 5 * 3600), household: household, settings))
        // Nor does another household's.
        #expect(history.isUsualHour(tenDaysOn.addingTimeInterval(-5 * 3600), household: HouseholdID(), settings))
    }

    @Test func learningIsKeptForTheStoreAndSurvivesAReload() {
        let ledger = CommandLedger()
        ledger.learn(commander: "person:a", device: lock, household: household, at: Self.start)
        ledger.learn(commander: "person:a", device: lock, household: household, at: Self.start.addingTimeInterval(60))
        let unsaved = ledger.takeUnsaved()
        #expect(unsaved.count == 1 && unsaved.first?.count == 2)
        #expect(ledger.takeUnsaved().isEmpty)
        // The store's rows (here: what was saved) replace what was loaded; nothing is forgotten.
        ledger.load(unsaved)
        #expect(ledger.context(commander: "person:a", device: lock, household: household, at: Self.start).familiar)
        ledger.setRisk(["person:a": 75])
        #expect(ledger.context(commander: "person:a", device: lock, household: household, at: Self.start).risk == 75)
    }

    @Test func aHeldCommandIsOneAlertThatHoldsIt() throws {
        var engine = DetectionEngine()
        let command = HeldCommand(
            id: "cmd_1", household: household, commander: "person:p1", device: lock, zone: "security",
            topic: "devices/\(lock)/cmd/open", payload: Array("open".utf8), reason: "held: never commanded it",
            heldAt: Self.start, expiresAt: Self.start.addingTimeInterval(300))
        let responses = engine.receive(.commandHeld(command))
        let response = try #require(responses.first)
        #expect(responses.count == 1)
        #expect(response.finding.kind == .unusualCommand && response.finding.suspect == Suspect(.person, "p1"))
        #expect(response.actions == [.holdCommand(command)])
        #expect(response.finding.evidence.contains(Evidence("command", "cmd_1")))
    }
}
