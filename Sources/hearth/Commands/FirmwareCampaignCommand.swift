import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthFirmware
import HearthHub

/// `hearth firmware campaign …`: staged rollouts (docs/firmware.md, "Rollouts").
extension Firmware {
    struct Campaign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Staged rollouts: start one, list them, show one.", subcommands: [Start.self, List.self, Show.self])

        static func line(_ campaign: Rollouts.CampaignView) -> String {
            let counts = campaign.devices.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return [
                campaign.id, campaign.model, campaign.version, campaign.phase + (campaign.cohort.map { " (cohort \($0))" } ?? ""), counts,
                campaign.reason ?? "",
            ].joined(separator: "  ")
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Offer a release to every device of its model, cohort by cohort; the running hub carries it out.")
            @Option(name: .long, help: "The model.") var model: String
            @Option(name: .long, help: "The release's version.") var version: String
            @Option(name: .long, help: "Cumulative shares, comma-separated (default 5,25,100).") var cohorts = "5,25,100"
            @Option(name: .long, help: "Minutes each cohort is watched before the next (default 60).") var soakMinutes = 60.0
            @Option(name: .long, help: "Minutes an offered device has to report the new version (default 15).") var gateMinutes = 15.0
            @Option(name: .long, help: "Connections within the gate that make a crash loop (default 5).") var maxReconnects = 5
            @Option(name: .long, help: "Share of a cohort that may fail (default 0.1).") var failureThreshold = 0.1
            @Option(name: .long, help: "The release a failed cohort goes back to (default: the one published before).") var rollbackTo: String?
            @Flag(name: .long, help: "Allow going back to a lower security version (audited).") var rollbackOverride = false
            @OptionGroup var common: Common

            func run() async throws {
                var settings = Rollouts.Settings()
                settings.cohorts = try cohorts.split(separator: ",").map {
                    guard let share = Double($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--cohorts: numbers, like 5,25,100") }
                    return share
                }
                settings.soak = soakMinutes * 60
                settings.gate = gateMinutes * 60
                settings.maximumReconnects = maxReconnects
                settings.failureThreshold = failureThreshold
                settings.rollbackTo = rollbackTo
                settings.rollbackOverride = rollbackOverride
                let campaign = try await common.store.withAdministration(log: common.log) { hub, _ in
                    try await hub.rollouts.start(model: model, version: version, settings: settings, actor: Firmware.actor)
                }
                Output.print(Campaign.line(campaign))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Campaigns, newest first: id, model, version, phase, devices by state, why halted.")
            @OptionGroup var common: Common

            func run() async throws {
                let campaigns = try await common.store.withAdministration(log: common.log) { hub, _ in try await hub.rollouts.list() }
                if campaigns.isEmpty { Output.print("no campaigns") }
                for campaign in campaigns { Output.print(Campaign.line(campaign)) }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One campaign (JSON).")
            @Argument(help: "The campaign id.") var id: String
            @OptionGroup var common: Common

            func run() async throws {
                let campaign = try await common.store.withAdministration(log: common.log) { hub, _ in try await hub.rollouts.show(id) }
                try Devices.printJSON(campaign)
            }
        }
    }
}
