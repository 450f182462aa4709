import HearthCore
import HearthStore
import Synchronization

/// A household's devices and their newest certificates as last read, kept while two marks read
/// from the database say nothing has changed since: the audit log's size (every change to a
/// device or a certificate — pairing, renewal, revocation, quarantine, a move — appends an entry
/// in its own transaction, on any node) and the household's latest `last_seen_at` (the one device
/// column written without an entry). Reading the marks costs two small queries; rebuilding 1,000
/// devices and their certificates costs most of a console page, and every open page's live
/// stream asks twice a second. Statuses are made from the entry at each use, with the current
/// time, so a certificate that expires in between is shown expired.
final class InventoryCache: Sendable {
    struct Mark: Equatable, Sendable {
        let auditSize: Int64
        let lastSeen: Int64?
    }

    struct Entry: Sendable {
        let mark: Mark
        let devices: [Device]
        let newest: [String: CertificateRecord]
    }

    private let entries = Mutex<[HouseholdID: Entry]>([:])

    /// The household's inventory: the cached one while the marks match, else read anew (in the
    /// same read as the marks, so the marks describe exactly what was read).
    func inventory(_ household: HouseholdID, store: Store) async throws -> Entry {
        let cached = entries.withLock { $0[household] }
        let entry = try await store.read { db -> Entry in
            let mark = Mark(auditSize: try await db.audit.size(), lastSeen: try await db.devices.latestSighting(in: household))
            if let cached, cached.mark == mark { return cached }
            return Entry(
                mark: mark, devices: try await db.devices.all(in: household),
                newest: try await db.pki.newestDeviceCertificates(household: household.rawValue))
        }
        entries.withLock { $0[household] = entry }
        return entry
    }
}
