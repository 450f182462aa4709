import ArgumentParser
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the hub's schema version, identity and household counts (works while the hub runs).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        let location = try store.location()
        let report = try await store.withStore(logger: logger) { db in
            let version = try await db.schemaVersion()
            return try await db.read { session in
                let identity = try await session.hub.identity()
                return """
                    database:        \(location)
                    schema version:  \(version) (this hearth knows up to \(Schema.latestVersion))
                    trust domain:    \(identity?.trustDomain ?? "(not initialized)")
                    public URL:      \(try await session.pki.publicURL() ?? "(not initialized)")
                    households:      \(try await session.households.count())
                    live sessions:   \(try await session.sessions.count())
                    audit entries:   \(try await session.audit.size()) (last checkpoint: \(try await session.audit.latestCheckpoint().map { String($0.size) } ?? "none"))
                    """
            }
        }
        Output.print(report)
    }
}
