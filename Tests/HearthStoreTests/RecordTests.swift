import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

@Suite struct RecordTests {
    static func household(_ store: Store, name: String = "Home") async throws -> (Household, Person) {
        let household = try Household(name: name, createdAt: store.clock.now)
        let person = Person(
            email: try EmailAddress("\(household.id.rawValue.lowercased())@example.org"), mustChangePassword: true,
            createdAt: store.clock.now)
        try await store.write { db in
            try await db.households.insert(household)
            try await db.people.insert(person, passwordHash: "$scrypt$stored-hash")
            try await db.memberships.insert(
                Membership(personID: person.id, householdID: household.id, role: .owner, createdAt: store.clock.now))
        }
        return (household, person)
    }

    @Test(arguments: TestEngine.allCases)
    func householdsComeWithTheDefaultZonesAndPeopleReadBack(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (household, person) = try await Self.household(store)
                try await store.read { db in
                    #expect(try await db.households.find(household.id)?.name == "Home")
                    #expect(try await db.households.zones(of: household.id).map(\.name).sorted()
                        == Zone.defaults.map(\.name).sorted())
                    let credential = try await db.people.credential(email: person.email)
                    #expect(credential?.person == person)
                    #expect(credential?.passwordHash == "$scrypt$stored-hash")
                    #expect(try await db.memberships.members(of: household.id).map(\.person) == [person])
                    #expect(try await db.memberships.members(of: household.id).map(\.role) == [.owner])
                }
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aConflictRollsBackTheWholeTransaction(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (_, person) = try await Self.household(store)
                let second = try Household(name: "Second", createdAt: store.clock.now)
                let error = await #expect(throws: HearthError.self) {
                    try await store.write { db in
                        try await db.households.insert(second)
                        try await db.people.insert(
                            Person(email: person.email, mustChangePassword: false, createdAt: store.clock.now),
                            passwordHash: "x")
                    }
                }
                #expect(error == HearthError(.conflict, "an account with that email address already exists"))
                #expect(try await store.read { db in try await db.households.find(second.id) } == nil)
                #expect(try await store.read { db in try await db.households.count() } == 1)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func deviceTransitionsPersistAndIllegalOnesChangeNothing(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (household, _) = try await Self.household(store)
                let device = try Device(householdID: household.id, zone: .security, name: "Front door", createdAt: store.clock.now)
                try await store.write { db in try await db.devices.insert(device) }
                for next in [DeviceState.active, .quarantined, .active, .decommissioned] {
                    try await store.write { db in try await db.devices.transition(device.id, to: next, at: store.clock.now) }
                    #expect(try await store.read { db in try await db.devices.find(device.id)?.state } == next)
                }
                let error = await #expect(throws: HearthError.self) {
                    try await store.write { db in try await db.devices.transition(device.id, to: .active, at: store.clock.now) }
                }
                #expect(error?.code == .illegalTransition)
                #expect(try await store.read { db in try await db.devices.find(device.id)?.state } == .decommissioned)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func devicesMustNameAZoneOfTheirHousehold(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (household, _) = try await Self.household(store)
                let device = try Device(householdID: household.id, zone: try Zone("garage"), name: "Door", createdAt: store.clock.now)
                await #expect(throws: HearthError.self) { try await store.write { db in try await db.devices.insert(device) } }
                #expect(try await store.read { db in try await db.devices.all(in: household.id) }.isEmpty)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func sessionsExpireAndEnd(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let clock = TestClock()
            try await database.withStore(clock: clock) { store in
                let (household, person) = try await Self.household(store)
                let token = SecretToken(prefix: "hst_")
                let session = SessionRecords.Session(
                    tokenDigest: token.digest, personID: person.id, householdID: household.id, createdAt: clock.now,
                    expiresAt: clock.now.addingTimeInterval(60))
                try await store.write { db in try await db.sessions.insert(session) }
                let caller = try await store.read { db in try await db.sessions.caller(tokenDigest: token.digest, at: clock.now) }
                #expect(caller?.person == person)
                #expect(caller?.membership?.role == .owner)
                #expect(caller?.householdID == household.id)
                #expect(caller?.householdState == .active)
                #expect(caller?.isOperator == false)
                clock.advance(by: 61)
                #expect(try await store.read { db in try await db.sessions.caller(tokenDigest: token.digest, at: clock.now) } == nil)
                #expect(try await store.write { db in try await db.sessions.deleteExpired(before: clock.now) } == 1)
                #expect(try await store.write { db in try await db.sessions.delete(tokenDigest: token.digest) } == false)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentTransactionsAllCommit(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let (household, person) = try await Self.household(store)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<64 {
                        group.addTask {
                            let session = SessionRecords.Session(
                                tokenDigest: SecretToken(prefix: "t_").digest, personID: person.id, householdID: household.id,
                                createdAt: store.clock.now, expiresAt: store.clock.now.addingTimeInterval(600))
                            try await store.write { db in try await db.sessions.insert(session) }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await store.read { db in try await db.sessions.count() } == 64)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func boundValuesAreNeverSQL(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let hostile = "Robert'); DROP TABLE households; -- ? $1"
                let household = try Household(name: hostile, createdAt: store.clock.now)
                try await store.write { db in try await db.households.insert(household) }
                #expect(try await store.read { db in try await db.households.find(household.id)?.name } == hostile)
            }
        }
    }
}
