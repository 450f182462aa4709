import Foundation
import HearthAudit
import HearthCore
import HearthStore
import HearthTesting
import Testing

@Suite struct AuditStoreTests {
    static func event(_ number: Int, household: HouseholdID? = nil, action: AuditAction = "test.appended") -> AuditEvent {
        AuditEvent(
            action, actor: .system("test"), subject: "item:\(number)", household: household, reason: "number \(number)",
            details: ["n": String(number)])
    }

    /// Every stored leaf hash in index order, read straight from the entries (not the nodes).
    static func leafHashes(_ store: Store) async throws -> [[UInt8]] {
        try await store.read { db in
            try await db.audit.entries(AuditQuery(newestFirst: false, limit: 1_000_000)).map(\.leafHash)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func theStoredTreeServesRootsAndProofsThatVerify(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                // Batches of uneven sizes exercise every merge pattern of the stored right edge.
                var number = 0
                for batch in [1, 2, 1, 5, 8, 3, 13, 1, 7] {
                    let events = (0..<batch).map { _ in defer { number += 1 }; return Self.event(number) }
                    try await store.write { db in try await db.audit.append(events) }
                }
                let leaves = try await Self.leafHashes(store)
                #expect(leaves.count == number)
                var range = CompactRange()
                for (size, leaf) in leaves.enumerated() {
                    range.append(leafHash: leaf)
                    let stored = try await store.read { db in try await db.audit.rootHash(size: Int64(size + 1)) }
                    #expect(stored == range.root, "root at size \(size + 1)")
                }
                let size = Int64(number)
                let root = range.root
                for index in stride(from: Int64(0), to: size, by: 3) {
                    let path = try await store.read { db in try await db.audit.inclusionProof(index: index, size: size) }
                    #expect(ProofVerifier.verifyInclusion(
                        leafHash: leaves[Int(index)], index: index, size: size, path: path, root: root))
                }
                for old in [Int64(1), 3, 7, 16, 25, size] {
                    let (path, oldRoot) = try await store.read { db in
                        (try await db.audit.consistencyProof(from: old, to: size), try await db.audit.rootHash(size: old))
                    }
                    #expect(ProofVerifier.verifyConsistency(
                        oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, path: path))
                }
                // Only perfect subtrees are stored: 2n minus one per set bit of n.
                let nodes = try await store.read { db in try await db.db.first("SELECT COUNT(*) AS n FROM audit_nodes") }
                #expect(try nodes?.integer("n") == 2 * size - Int64(size.nonzeroBitCount))
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentWritersNeverForkOrSkipAnIndex(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            // On PostgreSQL two engines on one database stand for two hub processes. SQLite has
            // one writer connection per process by design, so its writers share one engine.
            try await database.withStore { first in
                try await Self.withSecondStore(database, or: first) { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for writer in 0..<8 {
                            let store = writer.isMultiple(of: 2) ? first : second
                            group.addTask {
                                for step in 0..<25 {
                                    try await store.write { db in
                                        try await db.audit.append(Self.event(writer * 1000 + step))
                                    }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let entries = try await first.read { db in
                        try await db.audit.entries(AuditQuery(newestFirst: false, limit: 1000))
                    }
                    #expect(entries.map(\.index) == Array(0..<200))
                    #expect(Set(entries.map(\.subject)).count == 200)
                    // Each writer's own entries appear in the order it wrote them.
                    for writer in 0..<8 {
                        let mine = entries.compactMap { Int($0.subject.dropFirst("item:".count)) }.filter { $0 / 1000 == writer }
                        #expect(mine == mine.sorted())
                    }
                    var range = CompactRange()
                    for entry in entries { range.append(leafHash: entry.leafHash) }
                    #expect(try await first.read { db in try await db.audit.size() } == 200)
                    #expect(try await second.read { db in try await db.audit.rootHash(size: 200) } == range.root)
                }
            }
        }
    }

    static func withSecondStore(
        _ database: TestDatabase, or first: Store, _ body: (Store) async throws -> Void
    ) async throws {
        if database.engine == .postgres { try await database.withStore(body) } else { try await body(first) }
    }

    @Test(arguments: TestEngine.allCases)
    func anEntryCommitsOrRollsBackWithItsChange(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let household = try Household(name: "Home", createdAt: store.clock.now)
                struct Abort: Error {}
                await #expect(throws: Abort.self) {
                    try await store.write { db in
                        try await db.households.insert(household)
                        try await db.audit.append(Self.event(1, household: household.id))
                        throw Abort()
                    }
                }
                let (found, size, entries, nodes) = try await store.read { db in
                    (try await db.households.find(household.id), try await db.audit.size(),
                     try await db.audit.entries(AuditQuery()), try await db.db.query("SELECT * FROM audit_nodes"))
                }
                #expect(found == nil)
                #expect(size == 0)
                #expect(entries.isEmpty)
                #expect(nodes.isEmpty)
                // The next append takes index 0: the rolled-back one left no hole.
                let entry = try await store.write { db in try await db.audit.append(Self.event(2)) }
                #expect(entry.index == 0)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func redactionDropsDetailsButEveryProofStillVerifies(engine: TestEngine) async throws {
        let clock = TestClock()
        try await TestDatabase.with(engine) { database in
            try await database.withStore(clock: clock) { store in
                try await store.write { db in try await db.audit.append((0..<5).map { Self.event($0) }) }
                clock.advance(by: 3600)
                try await store.write { db in try await db.audit.append((5..<9).map { Self.event($0) }) }
                let before = try await Self.leafHashes(store)
                let rootBefore = try await store.read { db in try await db.audit.rootHash(size: 9) }

                let redacted = try await store.write { db in
                    try await db.audit.redact(olderThan: clock.now.addingTimeInterval(-60))
                }
                #expect(redacted == 5)
                let entries = try await store.read { db in try await db.audit.entries(AuditQuery(newestFirst: false)) }
                #expect(entries.prefix(5).allSatisfy { $0.details == nil && $0.detailsSalt == nil && $0.redactedAt != nil })
                #expect(entries.dropFirst(5).allSatisfy { $0.details != nil && $0.detailsMatchCommitment })
                #expect(entries.map(\.leafHash) == before)
                let path = try await store.read { db in try await db.audit.inclusionProof(index: 2, size: 9) }
                #expect(ProofVerifier.verifyInclusion(
                    leafHash: entries[2].leafHash, index: 2, size: 9, path: path, root: rootBefore))
                // Exactly the rest, once they are older than the cutoff too.
                clock.advance(by: 1)
                let second = try await store.write { db in try await db.audit.redact(olderThan: clock.now) }
                #expect(second == 4)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func searchFiltersAndPagesByIndex(engine: TestEngine) async throws {
        let clock = TestClock()
        try await TestDatabase.with(engine) { database in
            try await database.withStore(clock: clock) { store in
                let home = HouseholdID()
                let other = HouseholdID()
                let start = clock.now
                for number in 0..<30 {
                    let household = number.isMultiple(of: 3) ? other : home
                    let action: AuditAction = number.isMultiple(of: 2) ? "test.even" : "test.odd"
                    try await store.write { db in try await db.audit.append(Self.event(number, household: household, action: action)) }
                    clock.advance(by: 10)
                }
                func search(_ query: AuditQuery) async throws -> [Int64] {
                    try await store.read { db in try await db.audit.entries(query) }.map(\.index)
                }
                let mine = try await search(AuditQuery(householdID: home.rawValue, limit: 100))
                #expect(mine == (0..<30).filter { !$0.isMultiple(of: 3) }.reversed().map(Int64.init))
                #expect(try await search(AuditQuery(householdID: home.rawValue, action: "test.even", limit: 100))
                    == [28, 26, 22, 20, 16, 14, 10, 8, 4, 2])
                #expect(try await search(AuditQuery(subject: "item:7")) == [7])
                #expect(try await search(AuditQuery(actor: "system:test", limit: 3)) == [29, 28, 27])
                #expect(try await search(AuditQuery(actor: "system:nobody")) == [])
                #expect(try await search(AuditQuery(
                    since: start.addingTimeInterval(50), until: start.addingTimeInterval(100), newestFirst: false))
                    == [5, 6, 7, 8, 9])
                // Pages continue strictly after the cursor, without repeats or gaps.
                var seen: [Int64] = []
                var cursor: Int64?
                repeat {
                    let page = try await search(AuditQuery(householdID: home.rawValue, beforeIndex: cursor, limit: 7))
                    seen += page
                    cursor = page.count == 7 ? page.last : nil
                } while cursor != nil
                #expect(seen == mine)
            }
        }
    }
}
