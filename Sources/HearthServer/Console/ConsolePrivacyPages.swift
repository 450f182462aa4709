import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthOAuth
import HearthPrivacy
import Hummingbird
import Mustache
import NIOCore

/// The owners' privacy page: the household's data-flow map with a consent switch per flow and
/// recipient, the bridge destinations, the privacy metrics, the export and the erasure
/// (docs/privacy.md). Each action is the same ``PrivacyService`` call as the API's, audited the
/// same way with the signed-in owner as the actor.
struct ConsolePrivacyPages: Sendable {
    let console: ConsoleAdapter
    var hub: HubServices { console.hub }
    var renderer: ConsoleRenderer { console.renderer }

    var endpoints: [Endpoint] {
        let owner = PolicyAction.administerHousehold
        return [
            Endpoint(.get, "/console/privacy") { request, _ in await console.page(request, owner) { try await privacy(request, $0) } },
            Endpoint(.post, "/console/privacy/consent") { request, _ in
                await console.action(request, owner) { caller, form in try await consent(form, caller) }
            },
            Endpoint(.post, "/console/privacy/export") { request, _ in
                await console.action(request, owner) { caller, _ in try await export(caller) }
            },
            Endpoint(.post, "/console/privacy/erase") { request, _ in
                await console.action(request, owner) { caller, form in try await erase(form, caller) }
            },
        ]
    }

    // MARK: the page

    private func privacy(_ request: Request, _ caller: ConsoleCaller) async throws -> Response {
        let map = try await hub.privacy.map(household: caller.member.householdID)
        let metrics = try await hub.privacy.metrics(personalRetention: hub.configuration.personalAuditRetention)
        let parameters = try OAuthForm(parsing: request.uri.query ?? "")
        let withFlows = map.devices.filter { !$0.flows.isEmpty }
        let devices = withFlows.enumerated().map { deviceIndex, device -> [String: Any] in
            [
                "id": device.id, "name": device.name, "model": device.model ?? "", "hasModel": device.model != nil,
                "flows": device.flows.enumerated().map { flowIndex, flow in Self.flow(flow, key: "\(deviceIndex)-\(flowIndex)") },
            ]
        }
        let destinations = map.destinations.map { destination -> [String: Any] in
            [
                "name": destination.name, "host": destination.host, "port": destination.port, "prefix": destination.topicPrefix,
                "connected": destination.connected, "lastError": destination.lastError ?? "",
            ]
        }
        var values: [String: Any] = [
            "notice": Self.notice(parameters) as Any,
            "hasFlows": !withFlows.isEmpty, "devices": devices,
            "silentDevices": map.devices.filter(\.flows.isEmpty).map(\.name),
            "hasSilentDevices": map.devices.contains { $0.flows.isEmpty },
            "unusedModels": map.unusedModels, "hasUnusedModels": !map.unusedModels.isEmpty,
            "hasDestinations": !destinations.isEmpty, "destinations": destinations,
            "eraseOptions": map.devices.map { ["id": $0.id, "name": $0.name] as [String: String] },
        ]
        values.merge(Self.metrics(metrics, household: caller.member.householdID)) { $1 }
        return renderer.page("privacy", title: "Privacy", nav: "privacy", signedIn: caller, values: values)
    }

    /// The privacy metrics block. The metrics are the hub's (as on `/metrics`), except the bytes
    /// sent out: only this household's destinations.
    static func metrics(_ metrics: PrivacyService.Metrics, household: HouseholdID) -> [String: Any] {
        let share = metrics.devices == 0 ? 0 : Int((Double(metrics.devicesWithFlows) * 100 / Double(metrics.devices)).rounded())
        let bytes = metrics.bytesSent.filter { $0.key.household == household }.map { ($0.key.destination, $0.value) }
            .sorted { $0.0 < $1.0 }
        return [
            "refused": TelemetryRefusal.allCases.map { reason -> [String: Any] in
                ["reason": reason.rawValue, "count": metrics.refusedByReason[reason] ?? 0]
            },
            "devicesWithFlows": metrics.devicesWithFlows, "deviceCount": metrics.devices, "deviceShare": share,
            "consented": DataClass.allCases.map { dataClass -> [String: Any] in
                ["class": dataClass.rawValue, "count": metrics.consentedByClass[dataClass] ?? 0]
            },
            "pastRetention": metrics.pastRetention, "pastRetentionBad": metrics.pastRetention != 0,
            "bytes": bytes.map { destination, sent -> [String: Any] in ["destination": destination, "bytes": String(sent)] },
            "hasBytes": !bytes.isEmpty,
        ]
    }

    /// One flow of the map, with a switch per recipient. `key` makes the page's ids unique (a
    /// model's flow is listed under every device of the model).
    static func flow(_ flow: PrivacyService.Flow, key: String) -> [String: Any] {
        [
            "name": flow.name, "scope": flow.scope, "class": flow.dataClass, "purpose": flow.purpose,
            "sensitive": flow.sensitive.isEmpty ? "none" : flow.sensitive.joined(separator: ", "),
            "isSensitive": !flow.sensitive.isEmpty,
            "retention": retention(flow.retentionSeconds),
            "recipients": flow.recipients.enumerated().map { index, recipient -> [String: Any] in
                let needsConsent = recipient.consentNeeded && !recipient.consented
                return [
                    "recipient": recipient.recipient, "label": label(recipient.recipient),
                    "needsConsent": needsConsent, "allowed": recipient.consentNeeded && recipient.consented,
                    "always": !recipient.consentNeeded,
                    "state": !recipient.consentNeeded ? "always allowed (no consent needed)" : recipient.consented ? "allowed" : "needs consent",
                    "stateClass": !recipient.consentNeeded ? "always" : recipient.consented ? "allowed" : "needed",
                    "key": "\(key)-\(index)", "scope": flow.scope, "flow": flow.name, "purpose": flow.purpose,
                ]
            },
        ]
    }

    /// `apps` or `destination:<name>` as a person reads it.
    static func label(_ recipient: String) -> String {
        recipient == "apps" ? "the household's apps" : recipient.hasPrefix("destination:")
            ? "destination " + recipient.dropFirst("destination:".count) : recipient
    }

    /// A retention in the largest whole unit: "1 day", "36 hours", "90 seconds".
    static func retention(_ seconds: Int) -> String {
        func count(_ value: Int, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s")" }
        if seconds > 0, seconds % 86_400 == 0 { return count(seconds / 86_400, "day") }
        if seconds > 0, seconds % 3600 == 0 { return count(seconds / 3600, "hour") }
        if seconds > 0, seconds % 60 == 0 { return count(seconds / 60, "minute") }
        return count(seconds, "second")
    }

    /// What the last action did, from the redirect's query: fixed sentences only (and a count),
    /// so the address cannot put words on the page.
    static func notice(_ parameters: OAuthForm) -> String? {
        switch parameters["done"] {
        case "allowed": return "Consent given: the flow now reaches that recipient."
        case "stopped": return "Consent withdrawn: nothing more of the flow reaches that recipient."
        case "erased":
            let count = parameters["count"].flatMap(Int.init).map { max(0, $0) } ?? 0
            return "Telemetry erased: \(count) stored message\(count == 1 ? "" : "s") removed."
        default: return nil
        }
    }

    // MARK: actions

    private func consent(_ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        let scope = try FlowScope(try ConsoleAdapter.required(form, "scope", "the flow's scope"))
        let flow = try ConsoleAdapter.required(form, "flow", "the flow")
        let recipient = try FlowRecipient(try ConsoleAdapter.required(form, "recipient", "the recipient"))
        let household = caller.member.householdID
        let actor = AuditActor.person(caller.member.id)
        switch form["grant"] {
        case "1":
            let typed = form["purpose"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            try await hub.privacy.grant(
                flow: flow, scope: scope, recipient: recipient, purpose: typed?.isEmpty == false ? typed : nil,
                household: household, actor: actor)
            return ConsoleRenderer.redirect("/console/privacy?done=allowed")
        case "0":
            try await hub.privacy.withdraw(flow: flow, scope: scope, recipient: recipient, household: household, actor: actor)
            return ConsoleRenderer.redirect("/console/privacy?done=stopped")
        default:
            throw HearthError(.invalidInput, "say whether to allow or stop the flow")
        }
    }

    private func export(_ caller: ConsoleCaller) async throws -> Response {
        let household = caller.member.householdID
        let archive = try await hub.privacy.export(
            household: household, lifecycle: hub.lifecycle, people: hub.people, actor: .person(caller.member.id))
        var headers = ConsoleRenderer.headers(contentType: "application/zip")
        headers[.contentDisposition] = "attachment; filename=\"hearth-export-\(household.rawValue).zip\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: archive)))
    }

    private func erase(_ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        let chosen = try ConsoleAdapter.required(form, "device", "what to erase")
        let device: DeviceID?
        let question: String
        if chosen == "household" {
            device = nil
            question = "Erase the stored telemetry of every device of the household? Retained messages and copies waiting for "
                + "offline apps are deleted for good."
        } else {
            guard let id = DeviceID(chosen) else { throw HearthError(.notFound, "no such device in your household") }
            let name = try await hub.dashboard.device(id, for: caller.member).status.device.name
            device = id
            question = "Erase the stored telemetry of \(name)? Its retained messages and copies waiting for offline apps are "
                + "deleted for good."
        }
        if let ask = console.confirmation(
            form, question: question, confirmLabel: "Yes, erase", action: "/console/privacy/erase", back: "/console/privacy",
            caller: caller)
        { return ask }
        let erased = try await hub.privacy.erase(household: caller.member.householdID, device: device, actor: .person(caller.member.id))
        return ConsoleRenderer.redirect("/console/privacy?done=erased&count=\(erased)")
    }
}
