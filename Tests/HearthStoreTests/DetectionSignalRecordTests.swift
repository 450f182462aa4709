import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

/// Detection across nodes in the store: rounds of hub-wide signals queued by any node and taken
/// once by the judging node, oldest first; sources blocked until a time, lengthened but never
/// shortened, lifted with the latest alert that blocked them.
@Suite struct DetectionSignalRecordTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: TestEngine.allCases)
    func signalsAreTakenOnceOldestFirst(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                #expect(try await store.read { db in try await db.detectionSignals.waiting() } == 0)
                try await store.write { db in
                    try await db.detectionSignals.post("b", at: Self.start.addingTimeInterval(2), from: "node1")
                    try await db.detectionSignals.post("a", at: Self.start, from: "node1")
                }
                try await store.write { db in try await db.detectionSignals.post("c", at: Self.start.addingTimeInterval(1), from: "node2") }
                #expect(try await store.read { db in try await db.detectionSignals.waiting() } == 3)
                let taken = try await store.write { db in try await db.detectionSignals.take() }
                #expect(taken.map(\.body) == ["a", "c", "b"])
                #expect(taken.map(\.node) == ["node1", "node2", "node1"])
                #expect(taken.first?.at == Self.start)
                #expect(try await store.write { db in try await db.detectionSignals.take() }.isEmpty)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func blocksLastUntilTheyEndOrTheirAlertIsAcknowledged(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (five, ten) = (Self.start.addingTimeInterval(300), Self.start.addingTimeInterval(600))
                try await store.write { db in
                    try await db.sourceBlocks.block("192.0.2.7", until: ten, alert: "alert_a")
                    try await db.sourceBlocks.block("192.0.2.7", until: five, alert: "alert_b")  // never shortened
                    try await db.sourceBlocks.block("192.0.2.8", until: five, alert: "alert_c")
                }
                #expect(try await store.read { db in try await db.sourceBlocks.active(at: Self.start) } == ["192.0.2.7": ten, "192.0.2.8": five])
                #expect(try await store.read { db in try await db.sourceBlocks.active(at: five) } == ["192.0.2.7": ten])
                // The block is the latest alert's: acknowledging the earlier one leaves it.
                try await store.write { db in try await db.sourceBlocks.lift(alert: "alert_a") }
                #expect(try await store.read { db in try await db.sourceBlocks.active(at: Self.start) }.count == 2)
                try await store.write { db in try await db.sourceBlocks.lift(alert: "alert_b") }
                #expect(try await store.read { db in try await db.sourceBlocks.active(at: Self.start) } == ["192.0.2.8": five])
                try await store.write { db in
                    try await db.sourceBlocks.lift(alert: "alert_c")
                    try await db.sourceBlocks.deleteEnded(before: ten)
                }
                #expect(try await store.read { db in try await db.sourceBlocks.active(at: Self.start) }.isEmpty)
            }
        }
    }
}
