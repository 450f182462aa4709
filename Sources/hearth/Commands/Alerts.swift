import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthDetection
import HearthHub
import HearthPKI
import HearthStore

/// `hearth alerts …`: detection's alerts and risk scores (docs/detection.md), directly on the data
/// folder or database. Acknowledging an alert lifts, on the running hub within a second, the
/// block or rate limit it left; `hearth devices release` ends a quarantine.
struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and acknowledge detection's alerts; show risk scores.",
        subcommands: [List.self, Show.self, Ack.self, Approve.self, Risk.self, Webhook.self])

    static let actor = AuditActor.system("cli")

    /// Which alerts: the household's, or `--hub-wide` (strangers guessing at the hub, in no household).
    struct Scope: ParsableArguments {
        @Flag(name: .long, help: "The hub-wide alerts (sources guessing at the hub) instead of a household's.")
        var hubWide = false
        @OptionGroup var common: CA.Common

        func run<Result: Sendable>(_ body: @escaping (AlertService, HouseholdID?) async throws -> Result) async throws -> Result {
            try await withHub { hub, household in try await body(hub.alerts, household) }
        }

        func withHub<Result: Sendable>(_ body: @escaping (HubAdministration, HouseholdID?) async throws -> Result) async throws -> Result {
            if hubWide {
                return try await common.store.withAdministration(log: common.log) { hub, _ in try await body(hub, nil) }
            }
            return try await common.withHub { hub, household in try await body(hub, household) }
        }
    }

    /// One line: id, raised, severity, kind, suspect, acknowledged or open, summary.
    static func line(_ alert: Alert) -> String {
        [
            alert.id, RFC3339.format(alert.raisedAt), alert.severity.rawValue, alert.kind.rawValue, alert.suspect,
            alert.acknowledgedAt == nil ? "open" : "acknowledged", alert.summary,
        ].joined(separator: "  ")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts, newest first: id, time, severity, kind, suspect, state, summary.")
        @Flag(name: .long, help: "Only alerts not acknowledged yet.")
        var open = false
        @Option(name: .long, help: "At most this many (1–1000).")
        var limit = 100
        @OptionGroup var scope: Scope

        func run() async throws {
            let alerts = try await scope.run { service, household in
                try await service.list(household: household, openOnly: open, limit: limit)
            }
            if alerts.isEmpty { Output.print("no alerts") }
            for alert in alerts { Output.print(Alerts.line(alert)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one alert: its evidence and what the hub did (JSON).")
        @Argument(help: "The alert id.")
        var id: String
        @OptionGroup var scope: Scope

        func run() async throws {
            let alert = try await scope.run { service, household in try await service.show(id, household: household) }
            try Devices.printJSON(alert)
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an alert: lifts the source block or rate limit it left (a quarantine ends with `hearth devices release`).")
        @Argument(help: "The alert id.")
        var id: String
        @OptionGroup var scope: Scope

        func run() async throws {
            let alert = try await scope.run { service, household in
                try await service.acknowledge(id, household: household, actor: Alerts.actor)
            }
            Output.print("acknowledged \(alert.id): \(alert.summary)")
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the command an unusual-command alert holds: the running hub delivers it to the device (while it has not expired).")
        @Argument(help: "The alert id.")
        var id: String
        @OptionGroup var common: CA.Common

        func run() async throws {
            let command = try await common.withHub { hub, household in
                try await hub.heldCommands.approve(alert: id, household: household, by: .commandLine, actor: Alerts.actor)
            }
            Output.print("approved command \(command.id) to device \(command.device) (\(command.topic)); the running hub delivers it")
        }
    }

    struct Risk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Risk scores (0–100, decaying), highest first, with the findings that raised them.")
        @OptionGroup var scope: Scope

        func run() async throws {
            let scores = try await scope.run { service, household in try await service.risk(household: household) }
            if scores.isEmpty { Output.print("no risk") }
            for score in scores {
                Output.print("\(score.suspect)  \(score.score)")
                for cause in score.causes {
                    Output.print("  \(RFC3339.format(cause.at))  \(cause.severity.rawValue)  \(cause.kind.rawValue)  \(cause.summary)")
                }
            }
        }
    }

    /// `hearth alerts webhook set|show|remove`: where alerts are posted, signed (docs/detection.md, "Webhook").
    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post alerts to a webhook (JSON signed with HMAC-SHA256, retried with back-off).",
            subcommands: [Assign.self, Show.self, Remove.self])

        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Post alerts to URL (https://, or http:// to this machine); prints the signing secret once.")
            @Argument(help: "The receiver's URL.")
            var url: String
            @Option(name: .long, help: "PEM file of the CA certificates the receiver's certificate chains to (a private CA), trusted for it instead of the system's.")
            var trustRoots: String?
            @OptionGroup var scope: Scope

            func run() async throws {
                let roots = try trustRoots.map { String(decoding: try Privacy.read($0), as: UTF8.self) }
                let configured = try await scope.withHub { hub, household in
                    try await hub.webhooks.set(url: url, trustRootsPEM: roots, household: household, actor: Alerts.actor)
                }
                Output.print("alerts are posted to \(configured.webhook.url)")
                for root in configured.webhook.trustRoots ?? [] {
                    Output.print("trusting \(root.subject) (SHA-256 \(root.sha256)) for its certificate")
                }
                Output.print("secret: \(configured.secret)")
                Output.print("(shown once: the receiver checks the Hearth-Signature header with it; setting the webhook again makes a new one)")
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The webhook and its latest deliveries (JSON).")
            @OptionGroup var scope: Scope

            func run() async throws {
                try Devices.printJSON(try await scope.withHub { hub, household in try await hub.webhooks.show(household: household) })
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop posting alerts; deliveries still waiting are dropped.")
            @OptionGroup var scope: Scope

            func run() async throws {
                try await scope.withHub { hub, household in try await hub.webhooks.remove(household: household, actor: Alerts.actor) }
                Output.print("alerts are no longer posted")
            }
        }
    }
}
