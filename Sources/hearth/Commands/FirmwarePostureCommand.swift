import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthFirmware
import HearthHub

/// `hearth firmware posture …`: the household's firmware requirements (docs/firmware.md, "Posture").
extension Firmware {
    struct PostureCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "posture", abstract: "The household's firmware requirements and every device's posture.",
            subcommands: [Show.self, Require.self, Remove.self], defaultSubcommand: Show.self)

        /// Which devices a rule is for.
        struct Scope: ParsableArguments {
            // Not `--household`: that option names which household, as on every household command.
            @Flag(name: .long, help: "Every device of the household.") var householdWide = false
            @Option(name: .long, help: "The devices of a zone.") var zone: String?
            @Option(name: .long, help: "The devices of a model.") var model: String?

            var scope: PostureRule.Scope {
                get throws {
                    switch (householdWide, zone, model) {
                    case (true, nil, nil): return .household
                    case (false, let zone?, nil): return .zone(zone)
                    case (false, nil, let model?): return .model(model)
                    default: throw ValidationError("name one scope: --household-wide, --zone Z or --model M")
                    }
                }
            }
        }

        static func print(_ overview: FirmwarePosture.Overview) {
            if overview.rules.isEmpty { Output.print("no firmware requirements") }
            for rule in overview.rules {
                Output.print("requires security version \(rule.minimumSecurityVersion) for \(rule.scope) \(rule.value ?? "")  (\(rule.restriction))")
            }
            for device in overview.devices {
                let firmware = device.firmware.map { "\($0.model) \($0.version) (security version \($0.securityVersion))" } ?? "no report"
                Output.print([device.device, device.zone, device.posture, firmware, device.reason ?? "", device.name].joined(separator: "  "))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The rules, then one line per device: id, zone, posture, firmware, why, name.")
            @Flag(name: .long, help: "As JSON.") var json = false
            @OptionGroup var common: CA.Common

            func run() async throws {
                let overview = try await common.withHub { hub, household in try await hub.posture.overview(household: household) }
                if json { try Devices.printJSON(overview) } else { PostureCommand.print(overview) }
            }
        }

        struct Require: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set", abstract: "Require a minimum security version; devices below it are restricted at once on the running hub.")
            @OptionGroup var scope: Scope
            @Option(name: .long, help: "The minimum security version.") var minimumSecurityVersion: Int64
            @Option(name: .long, help: "update-only (default: firmware and availability reports and the update command) or quarantine.")
            var restrict = "update-only"
            @OptionGroup var common: CA.Common

            func run() async throws {
                guard let restriction = PostureRule.Restriction(rawValue: restrict) else {
                    throw ValidationError("--restrict is update-only or quarantine")
                }
                let rule = PostureRule(scope: try scope.scope, minimumSecurityVersion: minimumSecurityVersion, restriction: restriction)
                let overview = try await common.withHub { hub, household in
                    try await hub.posture.setRule(rule, household: household, actor: Firmware.actor)
                }
                PostureCommand.print(overview)
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove the requirement of a scope.")
            @OptionGroup var scope: Scope
            @OptionGroup var common: CA.Common

            func run() async throws {
                let scope = try self.scope.scope
                let overview = try await common.withHub { hub, household in
                    try await hub.posture.removeRule(scope, household: household, actor: Firmware.actor)
                }
                PostureCommand.print(overview)
            }
        }
    }
}
