import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the hub's schema version, identity, household counts and which node holds each lease (works while the hub runs).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        let location = try store.location()
        let report = try await store.withStore(logger: logger) { db in
            let version = try await db.schemaVersion()
            return try await db.read { session in
                let identity = try await session.hub.identity()
                let now = db.clock.now
                // Who does the work only one node may do (docs/scale-out.md); a lapsed lease is
                // free for any node to take.
                let leases = try await session.leases.all().map { lease in
                    let left = lease.expiresAt.timeIntervalSince(now)
                    let state = left > 0 ? "for \(String(format: "%.1f", left)) s" : "lapsed"
                    return "\n  \(lease.name): \(lease.holder) (fence \(lease.fence), \(state))"
                }.joined()
                return """
                    database:        \(location)
                    schema version:  \(version) (this hearth knows up to \(Schema.latestVersion))
                    trust domain:    \(identity?.trustDomain ?? "(not initialized)")
                    public URL:      \(try await session.pki.publicURL() ?? "(not initialized)")
                    households:      \(try await session.households.count())
                    live sessions:   \(try await session.sessions.count())
                    audit entries:   \(try await session.audit.size()) (last checkpoint: \(try await session.audit.latestCheckpoint().map { String($0.size) } ?? "none"))
                    leases:          \(leases.isEmpty ? "none held" : leases)
                    """
            }
        }
        Output.print(report)
    }
}
