import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// Issue 18.13: the inventory used to stop at 1,000 rows without saying so. The API pages with a
/// cursor and the CLI lists everything.
@Suite(.serialized) struct CertificatePagingTests {
    static let count = 1_005

    /// `count` certificates issued through the application layer, each for a new device.
    static func issueMany(_ pki: HubPKI, household: HouseholdID) async throws {
        for index in 0..<count {
            _ = try await PKITools.issueNewDevice(pki, household: household, name: "paging \(index)")
        }
    }

    @Test func theAPIPagesWithACursorPastAThousand() async throws {
        try await withTestHub { hub in
            try await Self.issueMany(hub.pki, household: hub.householdID)
            let token = try await PKITools.token(hub)
            let stored = try await hub.store.read { db in
                try await db.pki.certificates(CertificateQuery(householdID: hub.householdID.rawValue, limit: 10_000))
            }
            #expect(stored.count > Self.count)

            var serials: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "/v1/pki/certificates?limit=1000" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = try await hub.client.request("GET", query, headers: PKITools.bearer(token))
                try #require(response.status == 200, "\(response.text)")
                let body = try response.json()
                let page = try #require(body["certificates"] as? [[String: Any]])
                serials += page.compactMap { $0["serial"] as? String }
                #expect(body.keys.contains("next_cursor"), "the last page says so with null")
                cursor = body["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 2)
            #expect(serials == stored.map(\.serial), "every certificate once, soonest expiry first")

            let small = try await hub.client.request("GET", "/v1/pki/certificates", headers: PKITools.bearer(token)).json()
            #expect((small["certificates"] as? [Any])?.count == 100 && small["next_cursor"] is String, "100 by default")
            // An expiry window past the dates the database holds crashed the hub (schemathesis's
            // stateful phase found it): now it is refused like any other bad query.
            for bad in ["limit=0", "limit=1001", "cursor=nonsense", "cursor=12.ZZ", "cursor=1.", "limit=x",
                        "expiring_within=597279584505884288", "expiring_within=3155760001", "expiring_within=-1"] {
                let refused = try await hub.client.request("GET", "/v1/pki/certificates?\(bad)", headers: PKITools.bearer(token))
                #expect(refused.status == 400 && (try? refused.json()["code"] as? String) == "invalid-query", "\(bad): \(refused.text)")
            }
        }
    }

    @Test func theCLIListsEveryCertificate() async throws {
        let root = try TemporaryFolder.make(prefix: "pki-paging-cli")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let initialized = try await PKITools.hearth(["init", "--data", data.path])
        try #require(initialized.status == 0, "\(initialized.standardError)")
        let stored = try await PKITools.withDataFolder(data) { store, sealer in
            let pki = try await HubPKI.open(store: store, sealer: sealer)
            let household = try #require(try await store.read { db in try await db.households.all().first?.id })
            try await Self.issueMany(pki, household: household)
            return try await store.read { db in
                try await db.pki.certificates(CertificateQuery(householdID: household.rawValue, limit: 10_000)).map(\.serial)
            }
        }
        let tooFar = try await PKITools.hearth(["ca", "list", "--data", data.path, "--expiring-within-days", "9000000000000000"])
        #expect(tooFar.status != 0 && tooFar.standardError.contains("100 years"), "\(tooFar.standardError)")
        let listed = try await PKITools.hearth(["ca", "list", "--data", data.path, "--json"])
        try #require(listed.status == 0, "\(listed.standardError)")
        let serials = try listed.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["serial"] as? String
        }
        #expect(serials.count == stored.count && stored.count > Self.count)
        #expect(serials == stored)
    }
}
