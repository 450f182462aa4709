import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer

/// `hearth households …`: the hub operator's commands, directly on the data folder or database.
struct Households: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, suspend, resume and delete households (the hub operator's work).",
        subcommands: [Create.self, List.self, Suspend.self, Resume.self, Delete.self])

    static let actor = AuditActor.system("cli")

    /// The store options without `--household` (these commands name the household as an argument).
    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func withHouseholds<Result: Sendable>(_ body: (HouseholdAdministration) async throws -> Result) async throws -> Result {
            try await store.withAdministration(log: log) { hub, _ in try await body(hub.households) }
        }
    }

    struct Target: ParsableArguments {
        @Argument(help: "The household id.")
        var household: String

        var id: HouseholdID {
            get throws {
                guard let id = HouseholdID(household) else { throw HearthError(.invalidInput, "the household id is malformed") }
                return id
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a household with its zone CAs, and print its first owner's one-time invitation code.")

        @Argument(help: "The household's name.")
        var name: String

        @Option(name: .long, help: "Only this address may accept the owner's invitation.")
        var owner: String?

        @OptionGroup var common: Common

        func run() async throws {
            let created = try await common.withHouseholds { households in
                try await households.create(name: name, ownerEmail: owner, actor: Households.actor)
            }
            Output.print("""
                Household \(created.household.name) (\(created.household.id)) is created.
                Its first owner's invitation code (shown only now, valid until \(RFC3339.format(created.invitation.expiresAt))):
                  \(created.invitationCode)
                Accept with: POST /v1/invitations/accept {"code", "email", "password"}
                """)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List households: id, state, people, devices, name.")

        @Flag(name: .long, help: "Print JSON instead of lines.")
        var json = false

        @OptionGroup var common: Common

        func run() async throws {
            let summaries = try await common.withHouseholds { households in try await households.list() }
            if json { return try Devices.printJSON(["households": summaries.map(HouseholdSummaryView.init)]) }
            for summary in summaries {
                let household = summary.household
                Output.print("\(household.id)  \(household.state.rawValue.padding(9))  \(summary.people) people  \(summary.devices) devices  \(household.name)")
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refuse a household's people, apps and devices at once, until it is resumed.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "Why, for the audit log.")
        var reason: String = "suspended by a hub operator"

        @OptionGroup var common: Common

        func run() async throws {
            let id = try target.id
            _ = try await common.withHouseholds { households in
                try await households.suspend(id, reason: reason, actor: Households.actor)
            }
            Output.print("suspended \(id)")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a suspended household act again.")

        @OptionGroup var target: Target
        @OptionGroup var common: Common

        func run() async throws {
            let id = try target.id
            _ = try await common.withHouseholds { households in try await households.resume(id, actor: Households.actor) }
            Output.print("resumed \(id)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a household for good: revoke every certificate and token, erase its data, redact its audit details.")

        @OptionGroup var target: Target

        @Flag(name: .long, help: "Confirm: deletion cannot be undone.")
        var yes = false

        @OptionGroup var common: Common

        func run() async throws {
            guard yes else { throw HearthError(.invalidInput, "deletion is final; run again with --yes") }
            let id = try target.id
            let deleted = try await common.withHouseholds { households in try await households.delete(id, actor: Households.actor) }
            Output.print("""
                deleted \(id): \(deleted.certificatesRevoked) certificates and \(deleted.tokensRevoked) tokens revoked, \
                \(deleted.peopleErased) accounts erased, \(deleted.auditEntriesRedacted) audit entries redacted
                """)
        }
    }
}
