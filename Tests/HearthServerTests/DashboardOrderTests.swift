import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
@testable import HearthServer
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// The console's fast paths keep their answers: the device list's sort keys made once per device
/// order as the comparator they replaced did, its search on bytes finds what Foundation's found,
/// and the renderer's HTML escaping replaces what Mustache's own did.
struct DashboardOrderTests {
    @Test func everySortOrdersAsTheComparatorDid() async throws {
        try await withTestHub { hub in
            let lifecycle = DeviceLifecycle(pki: hub.pki)
            let names = ["Hall lamp", "hall lamp", "Küche sensor", "Porch camera", "attic sensor", "Hall lamp", "Garage door"]
            var ids: [DeviceID] = []
            for (index, name) in names.enumerated() {
                let issued = try await PKITools.issueNewDevice(
                    hub.pki, household: hub.householdID, name: name, zone: [Zone.security, .lighting, .climate][index % 3],
                    lifetime: .seconds(Int64(3600 * (1 + index % 4))))
                ids.append(DeviceID(issued.record.deviceID!)!)
            }
            _ = try await lifecycle.quarantine(ids[2], household: hub.householdID, reason: "test", actor: .system("test"))
            _ = try await lifecycle.decommission(ids[4], household: hub.householdID, actor: .system("test"))
            let made = ids
            try await hub.store.write { db in
                for (index, id) in made.enumerated() where index % 3 != 0 {
                    let device = try #require(try await db.devices.find(id))
                    try await db.devices.markSeen(device, at: db.clock.now.addingTimeInterval(Double(-60 * index)), granularity: .zero)
                }
            }
            let owner = try #require(try await hub.store.read { db in try await db.memberships.members(of: hub.householdID).first })
            let dashboard = HouseholdDashboard(store: hub.store, lifecycle: lifecycle, connected: { _ in [] })
            let statuses = try await lifecycle.list(visibleTo: owner)
            for sort in HouseholdDashboard.DeviceSort.allCases {
                for descending in [false, true] {
                    let page = try await dashboard.devices(.init(sort: sort, descending: descending, pageSize: 200), for: owner)
                    let expected = statuses.sorted { a, b in
                        let ordered = Self.compare(a, b, by: sort)
                        return descending ? !ordered && Self.compare(b, a, by: sort) : ordered
                    }
                    #expect(page.devices.map(\.status.device.id) == expected.map(\.device.id), "sort \(sort) descending \(descending)")
                }
            }
            let umlaut = try await dashboard.devices(.init(text: "KÜCHE"), for: owner)
            #expect(umlaut.devices.map(\.status.device.id) == [ids[2]])
            let sensors = try await dashboard.devices(.init(text: "sensor"), for: owner)
            #expect(Set(sensors.devices.map(\.status.device.id)) == [ids[2], ids[4]])
            #expect(try await dashboard.devices(.init(text: "lighting"), for: owner).matching == 2)
            #expect(try await dashboard.devices(.init(text: "no such thing at all"), for: owner).matching == 0)
        }
    }

    /// The order before the sort keys: a text key per comparison, then the name ignoring case, then the id.
    static func compare(_ a: DeviceLifecycle.Status, _ b: DeviceLifecycle.Status, by sort: HouseholdDashboard.DeviceSort) -> Bool {
        func key(_ status: DeviceLifecycle.Status) -> String {
            switch sort {
            case .name: ""
            case .zone: status.device.zone.name
            case .state: status.device.state.rawValue
            case .certificate: status.certificateStatus
            case .expires: status.certificate.map { String(format: "%015lld", $0.notAfter.unixMilliseconds) } ?? "~"
            case .lastSeen: status.device.lastSeenAt.map { String(format: "%015lld", $0.unixMilliseconds) } ?? ""
            }
        }
        let (ka, kb) = (key(a), key(b))
        if ka != kb { return ka < kb }
        let (na, nb) = (a.device.name.lowercased(), b.device.name.lowercased())
        if na != nb { return na < nb }
        return a.device.id.rawValue < b.device.id.rawValue
    }

    @Test func escapingReplacesWhatMustacheDid() throws {
        let escaping = ConsoleRenderer.ConsoleHTML()
        let samples = [
            "", "plain", "<script>alert('x')</script>", #"{"a":"b & c"}"#, "Küche > Flur", "😀<😀>", "a'b\"c&d<e>f",
            "&amp; already", String(repeating: "<", count: 300),
        ]
        for sample in samples {
            #expect(escaping.escapeText(sample) == Self.mustacheEscape(sample), "\(sample)")
        }
        // A quote with a combining mark is one Character, which Mustache left unescaped; its bytes are escaped now.
        #expect(escaping.escapeText("\"\u{301}") == "&quot;\u{301}")

        // Through the templates: the line choosing the escaping renders nothing, partials included.
        let html = ConsoleRenderer().html(
            "message", ["title": "T", "detail": #"<b>"x" & 'y'</b>"#, "back": "/", "backLabel": "Back"])
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(html.contains("<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</p>"))
        #expect(!html.contains("CONTENT_TYPE"))
    }

    /// Mustache 2's `htmlEscape`, a Character at a time.
    static func mustacheEscape(_ text: String) -> String {
        let replacements: [Character: String] = ["<": "&lt;", ">": "&gt;", "&": "&amp;", "\"": "&quot;", "'": "&#39;"]
        return text.reduce(into: "") { result, character in
            if let replacement = replacements[character] { result += replacement } else { result.append(character) }
        }
    }
}
