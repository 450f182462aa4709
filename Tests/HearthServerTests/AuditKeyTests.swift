import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

@Suite struct AuditKeyTests {
    @Test(arguments: TestEngine.allCases)
    func theAuditKeyIsSealedAndAHubWithoutOneGetsOne(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let sealer = try KeySealer(kek: SecureRandom.bytes(32))
                _ = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) { hasher in
                    try await HubBootstrap.initialize(
                        store: store, sealer: sealer, hasher: hasher, householdName: "Home",
                        ownerEmail: "owner@example.org", hostnames: [],
                        publicURL: HubProvisioning.defaultPublicURL(hostnames: [], port: 0))
                }
                let signer = try await AuditKey.loadSigner(store: store, sealer: sealer)
                // The private key is stored only sealed: its raw bytes appear in no column.
                let stored = try await store.read { db in try await db.audit.signingKey() }
                let key = try #require(stored)
                #expect(try NoteVerifierKey(parsing: key.verifierKey) == signer.verifierKey)
                let raw = try sealer.open(key.sealedKey, name: "audit:\(key.keyID)")
                #expect(raw.count == 32)
                let snapshot = try await DatabaseSnapshot.take(store)
                let everything = snapshot.tables.values.flatMap { $0 }.joined(separator: "\n")
                #expect(key.sealedKey.firstRange(of: raw) == nil)
                for form in [raw.hexString, Data(raw).base64EncodedString(), "\(raw)"] {
                    #expect(!everything.contains(form), "the raw audit key is stored")
                }

                // Another KEK cannot open it.
                await #expect(throws: HearthError.self) {
                    _ = try await AuditKey.loadSigner(store: store, sealer: try KeySealer(kek: SecureRandom.bytes(32)))
                }

                // A hub from before the audit log (no key yet) gets one on start, and it signs.
                try await store.write { db in try await db.db.execute("DELETE FROM audit_keys") }
                let fresh = try await AuditKey.loadSigner(store: store, sealer: sealer)
                #expect(fresh.verifierKey != signer.verifierKey)
                let checkpoint = try await AuditCheckpointer(store: store, signer: fresh).checkpoint()
                let opened = try LogVerifier(key: try await AuditKey.storedVerifier(store)).open(checkpoint.note)
                let size = try await store.read { db in try await db.audit.size() }
                #expect(opened.size == size)
                #expect(opened.rootHash == (try await store.read { db in try await db.audit.rootHash(size: size) }))
            }
        }
    }
}
