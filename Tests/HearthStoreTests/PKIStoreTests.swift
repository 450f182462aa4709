import Foundation
import HearthCore
import HearthStore
import HearthTesting
import Testing

/// The PKI's tables on both engines: the inventory's queries, the one-key-one-certificate rule,
/// conditional revocation, CRL numbers and the revision other processes watch.
@Suite struct PKIStoreTests {
    static func authority(_ id: String, household: HouseholdID, fingerprint: String, now: Date) -> AuthorityRecord {
        AuthorityRecord(
            id: id, role: .intermediate, householdID: household.rawValue, zone: "default", state: .active,
            certificateDER: [0x30, 0x00], sealedKey: [1, 2, 3], keyFingerprint: fingerprint, notBefore: now,
            notAfter: now.addingTimeInterval(86_400 * 365), createdAt: now, auditSeq: 0)
    }

    static func certificate(
        _ serial: String, issuer: String, household: HouseholdID, device: String?, notAfter: Date, now: Date
    ) -> CertificateRecord {
        CertificateRecord(
            serial: serial, issuerID: issuer, keyFingerprint: "key-\(serial)", householdID: household.rawValue,
            deviceID: device, zone: "default", profile: "device", uri: "spiffe://h/household/x/device/\(device ?? "-")",
            notBefore: now, notAfter: notAfter, issuedAuditSeq: 7, origin: .admin, certificateDER: [0x30, 0x00])
    }

    @Test(arguments: TestEngine.allCases)
    func theInventoryAnswersItsQueriesAndNeverCertifiesAKeyTwice(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            try await database.withStore { store in
                let now = Date(unixMilliseconds: store.clock.now.unixMilliseconds)
                let household = try Household(name: "Home", createdAt: now)
                try await store.write { db in
                    try await db.households.insert(household)
                    try await db.pki.insertState(publicURL: "https://hub.example:8443")
                    try await db.pki.insert(Self.authority("ca1", household: household.id, fingerprint: "ca-key-1", now: now))
                    try await db.pki.insert(Self.authority("ca2", household: household.id, fingerprint: "ca-key-2", now: now))
                    try await db.pki.insert([
                        Self.certificate("01", issuer: "ca1", household: household.id, device: "d1", notAfter: now + 3600, now: now),
                        Self.certificate("02", issuer: "ca1", household: household.id, device: "d1", notAfter: now + 86_400 * 10, now: now),
                        Self.certificate("03", issuer: "ca2", household: household.id, device: "d2", notAfter: now + 86_400, now: now),
                        Self.certificate("04", issuer: "ca2", household: household.id, device: nil, notAfter: now - 60, now: now),
                    ])
                }
                func serials(_ query: CertificateQuery) async throws -> [String] {
                    try await store.read { db in try await db.pki.certificates(query) }.map(\.serial)
                }
                #expect(try await serials(CertificateQuery()) == ["04", "01", "03", "02"], "soonest expiry first")
                #expect(try await serials(CertificateQuery(deviceID: "d1")) == ["01", "02"])
                #expect(try await serials(CertificateQuery(issuerID: "ca2")) == ["04", "03"])
                #expect(try await serials(CertificateQuery(expiringBefore: now + 2 * 86_400, unexpiredAt: now)) == ["01", "03"])

                // One key, one certificate, ever — also against a CA's key.
                await #expect(throws: HearthError.self) {
                    try await store.write { db in
                        try await db.pki.insert([
                            Self.certificate("05", issuer: "ca1", household: household.id, device: "d3", notAfter: now + 60, now: now)
                                .withKey("key-01"),
                        ])
                    }
                }
                #expect(try await store.read { db in try await db.pki.keyWasUsed("key-03") })
                #expect(try await store.read { db in try await db.pki.keyWasUsed("ca-key-2") })
                #expect(try await !store.read { db in try await db.pki.keyWasUsed("never-seen") })

                // Revocation is conditional on the certificate being valid, and counted once.
                let first = try await store.write { db in
                    try await db.pki.revoke(serial: "01", at: now, reason: 1, auditSeq: 9)
                }
                let second = try await store.write { db in
                    try await db.pki.revoke(serial: "01", at: now, reason: 4, auditSeq: 10)
                }
                #expect(first && !second)
                let revoked = try #require(try await store.read { db in try await db.pki.certificate(serial: "01") })
                #expect(revoked.status == .revoked && revoked.revocationReason == 1 && revoked.revokedAuditSeq == 9)
                #expect(try await serials(CertificateQuery(status: .revoked)) == ["01"])
                #expect(try await store.read { db in try await db.pki.revokedSerials(unexpiredAt: now) }
                    == RevokedSerials(serials: ["01"], through: 9))
                #expect(try await store.read { db in try await db.pki.revokedSerials(unexpiredAt: now + 7200) }.serials.isEmpty)
                // A reload after the first revocation finds only the later ones.
                try await store.write { db in
                    _ = try await db.pki.revoke(serial: "03", at: now, reason: 1, auditSeq: 12)
                    _ = try await db.pki.revoke(serial: "02", at: now, reason: 1, auditSeq: 11)
                }
                #expect(try await store.read { db in try await db.pki.revokedSerials(after: 9) }
                    == RevokedSerials(serials: ["02", "03"], through: 12))
                #expect(try await store.read { db in try await db.pki.revokedSerials(after: 12) } == RevokedSerials())

                // CRL numbers only grow; the revision moves on every bump.
                let numbers = try await store.write { db in
                    [try await db.pki.nextCRLNumber("ca1"), try await db.pki.nextCRLNumber("ca1"), try await db.pki.nextCRLNumber("ca2")]
                }
                #expect(numbers == [1, 2, 1])
                let revisions = try await store.write { db in
                    [try await db.pki.revision(), try await db.pki.bumpRevision(), try await db.pki.revision()]
                }
                #expect(revisions == [0, 1, 1])
                // A certificate's revocation alone moves the PKI's revision, not the one that
                // re-checks every live session; a CA's moves both.
                let access = try await store.write { db in
                    let before = try await db.accessChanges.revision()
                    try await db.pki.bumpRevision(accessChange: false)
                    let afterCertificate = try await db.accessChanges.revision()
                    try await db.pki.bumpRevision()
                    return [afterCertificate - before, try await db.accessChanges.revision() - before, try await db.pki.revision()]
                }
                #expect(access == [0, 1, 3])

                // Retiring stops issuing; the row lock check says so.
                try await store.write { db in try await db.pki.retire("ca1", at: now) }
                #expect(try await !store.write { db in try await db.pki.lockIfIssuing("ca1") })
                #expect(try await store.write { db in try await db.pki.lockIfIssuing("ca2") })
            }
        }
    }
}

extension CertificateRecord {
    func withKey(_ fingerprint: String) -> CertificateRecord {
        CertificateRecord(
            serial: serial, issuerID: issuerID, keyFingerprint: fingerprint, householdID: householdID, deviceID: deviceID,
            zone: zone, profile: profile, uri: uri, notBefore: notBefore, notAfter: notAfter,
            issuedAuditSeq: issuedAuditSeq, origin: origin, certificateDER: certificateDER)
    }
}
