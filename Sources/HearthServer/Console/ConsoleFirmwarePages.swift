import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthHub
import HearthOAuth
import Hummingbird

/// The owners' firmware page (docs/firmware.md): the household's requirements, every device's
/// posture with the reason, and the rollouts reaching its devices — live; setting and removing a
/// requirement. Each action is the same application call as the API's, the signed-in owner its actor.
struct ConsoleFirmwarePages: Sendable {
    let console: ConsoleAdapter
    var hub: HubServices { console.hub }

    var endpoints: [Endpoint] {
        let owner = PolicyAction.administerHousehold
        return [
            Endpoint(.get, "/console/firmware") { request, _ in await console.page(request, owner) { try await firmware(request, $0) } },
            Endpoint(.post, "/console/firmware/rules") { request, _ in
                await console.action(request, owner) { caller, form in
                    guard let minimum = Int64(try ConsoleAdapter.required(form, "minimum", "the minimum security version")) else {
                        throw HearthError(.invalidInput, "the minimum security version is a whole number")
                    }
                    let rule = PostureRule(
                        scope: try FirmwareRoutes.scope(try ConsoleAdapter.required(form, "scope", "the scope"), form["value"]),
                        minimumSecurityVersion: minimum, restriction: try FirmwareRoutes.restriction(form["restriction"]))
                    _ = try await hub.posture.setRule(rule, household: caller.member.householdID, actor: .person(caller.member.id))
                    return ConsoleRenderer.redirect("/console/firmware?done=set")
                }
            },
            Endpoint(.post, "/console/firmware/rules/remove") { request, _ in
                await console.action(request, owner) { caller, form in
                    let scope = try FirmwareRoutes.scope(try ConsoleAdapter.required(form, "scope", "the scope"), form["value"])
                    _ = try await hub.posture.removeRule(scope, household: caller.member.householdID, actor: .person(caller.member.id))
                    return ConsoleRenderer.redirect("/console/firmware?done=removed")
                }
            },
        ]
    }

    private func firmware(_ request: Request, _ caller: ConsoleCaller) async throws -> Response {
        let household = caller.member.householdID
        let overview = try await hub.posture.overview(household: household)
        let campaigns = try await hub.rollouts.list(devices: Set(overview.devices.map(\.device)))
        let notice: String? = switch try OAuthForm(parsing: request.uri.query ?? "")["done"] {
        case "set": "Requirement set: devices below it are restricted now."
        case "removed": "Requirement removed."
        default: nil
        }
        let values: [String: Any] = [
            "live": "firmware", "notice": notice as Any,
            "hasRules": !overview.rules.isEmpty,
            "rules": overview.rules.map { rule -> [String: Any] in
                [
                    "scope": rule.scope, "value": rule.value ?? "", "label": rule.value.map { "\(rule.scope) \($0)" } ?? "the household",
                    "minimum": rule.minimumSecurityVersion, "restriction": rule.restriction,
                ]
            },
            "hasDevices": !overview.devices.isEmpty,
            "devices": overview.devices.map { device -> [String: Any] in
                [
                    "id": device.device, "name": device.name, "zone": device.zone, "posture": device.posture,
                    "restricted": device.posture == Posture.outOfPosture.rawValue || device.posture == Posture.isolated.rawValue,
                    "firmware": device.firmware.map { "\($0.model) \($0.version) (security version \($0.securityVersion))" } ?? "not reported",
                    "reason": device.reason ?? "",
                ]
            },
            "hasCampaigns": !campaigns.isEmpty,
            "campaigns": campaigns.map { campaign -> [String: Any] in
                [
                    "id": campaign.id, "model": campaign.model, "version": campaign.version, "phase": campaign.phase,
                    "cohort": campaign.cohort.map { "cohort \($0) of \(campaign.cohorts.count)" } ?? "",
                    "reason": campaign.reason ?? "",
                    "devices": campaign.devices.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "),
                ]
            },
        ]
        return console.renderer.page("firmware", title: "Firmware", nav: "firmware", signedIn: caller, values: values)
    }
}
