import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthHub
import HearthOAuth
import Hummingbird

/// The owners' alerts page (docs/detection.md): the household's alerts and risk scores, live;
/// acknowledging, and approving a held command with the owner's second factor. Each action is
/// the same application call as the API's, with the signed-in owner as the actor.
struct ConsoleAlertPages: Sendable {
    let console: ConsoleAdapter
    var hub: HubServices { console.hub }

    var endpoints: [Endpoint] {
        let owner = PolicyAction.administerHousehold
        return [
            Endpoint(.get, "/console/alerts") { request, _ in await console.page(request, owner) { try await alerts(request, $0) } },
            Endpoint(.post, "/console/alerts/ack") { request, _ in
                await console.action(request, owner) { caller, form in
                    _ = try await hub.alerts.acknowledge(
                        try ConsoleAdapter.required(form, "id", "the alert"), household: caller.member.householdID,
                        actor: .person(caller.member.id))
                    return ConsoleRenderer.redirect("/console/alerts?done=acknowledged")
                }
            },
            Endpoint(.post, "/console/alerts/approve") { request, context in
                await console.action(request, owner) { caller, form in
                    _ = try await hub.heldCommands.approve(
                        alert: try ConsoleAdapter.required(form, "id", "the alert"), household: caller.member.householdID,
                        by: .owner(caller.member.person, code: try ConsoleAdapter.required(form, "code", "your code"), source: context.remoteIP),
                        actor: .person(caller.member.id))
                    return ConsoleRenderer.redirect("/console/alerts?done=approved")
                }
            },
        ]
    }

    private func alerts(_ request: Request, _ caller: ConsoleCaller) async throws -> Response {
        let household = caller.member.householdID
        let alerts = try await hub.alerts.list(household: household, limit: 50)
        let holding = try await hub.heldCommands.holding(household: household)
        let risk = try await hub.alerts.risk(household: household)
        let notice: String? = switch try OAuthForm(parsing: request.uri.query ?? "")["done"] {
        case "acknowledged": "Alert acknowledged."
        case "approved": "Command approved: the hub delivers it to the device."
        default: nil
        }
        let values: [String: Any] = [
            "live": "alerts", "notice": notice as Any,
            "hasAlerts": !alerts.isEmpty,
            "alerts": alerts.map { alert -> [String: Any] in
                [
                    "id": alert.id, "kind": alert.kind.rawValue, "severity": alert.severity.rawValue, "summary": alert.summary,
                    "suspect": alert.suspect, "raised": RFC3339.format(alert.raisedAt),
                    "evidence": alert.evidence.map { ["name": $0.name, "value": $0.value] }, "hasEvidence": !alert.evidence.isEmpty,
                    "actions": alert.actions, "hasActions": !alert.actions.isEmpty,
                    "open": alert.acknowledgedAt == nil,
                    "holds": holding.contains(alert.id),
                    "state": alert.acknowledgedAt.map { "acknowledged \(RFC3339.format($0)) by \(alert.acknowledgedBy ?? "?")" } ?? "open",
                ]
            },
            "hasRisk": !risk.isEmpty,
            "risk": risk.map { score -> [String: Any] in
                ["suspect": score.suspect.description, "score": score.score, "causes": score.causes.map { ["summary": $0.summary] }]
            },
        ]
        return console.renderer.page("alerts", title: "Alerts", nav: "alerts", signedIn: caller, values: values)
    }
}
