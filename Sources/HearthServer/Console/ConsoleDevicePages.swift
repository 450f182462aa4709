import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import Logging
import HearthOAuth
import HearthPKI
import Hummingbird

/// The overview, the device list, one device, and what owners do to a device (each asked
/// for confirmation, each the same ``DeviceLifecycle`` call as the API's).
struct ConsoleDevicePages: Sendable {
    let console: ConsoleAdapter
    var dashboard: HouseholdDashboard { console.hub.dashboard }
    var renderer: ConsoleRenderer { console.renderer }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/console/overview") { request, _ in await console.page(request) { caller in try await overview(caller) } },
            Endpoint(.get, "/console/devices") { request, _ in await console.page(request) { caller in try await list(request, caller) } },
            Endpoint(.get, "/console/devices/:id") { request, context in
                await console.page(request) { caller in try await device(try Self.deviceID(context), caller) }
            },
            Endpoint(.post, "/console/devices/:id/:action") { request, context in
                await console.action(request, .administerHousehold) { caller, form in
                    try await act(try Self.deviceID(context), context.parameters.get("action") ?? "", form, caller)
                }
            },
        ]
    }

    static func deviceID(_ context: HearthRequestContext) throws -> DeviceID {
        guard let id = context.parameters.get("id").flatMap(DeviceID.init) else {
            throw HearthError(.notFound, "no such device in your household")
        }
        return id
    }

    private func overview(_ caller: ConsoleCaller) async throws -> Response {
        let overview = try await dashboard.overview(for: caller.member)
        let now = console.store.clock.now
        func item(_ status: DeviceLifecycle.Status) -> [String: Any] {
            [
                "id": status.device.id.rawValue, "name": status.device.name, "zone": status.device.zone.name,
                "until": ConsoleRenderer.time(status.certificate?.notAfter),
                "overdue": status.renewAfter.map { now.timeIntervalSince($0) > 3600 } ?? false,
                "lastSeen": ConsoleRenderer.time(status.device.lastSeenAt),
            ]
        }
        var values: [String: Any] = [
            "live": "devices",
            "deviceCount": overview.totals.reduce(0) { $0 + $1.count }, "connectedCount": overview.connectedCount,
            "states": DeviceState.allCases.map(\.rawValue),
            "zones": overview.zones.map { ["zone": $0.zone, "counts": $0.byState.map(\.count), "total": $0.total] },
            "totals": overview.totals.map(\.count),
            "expiring": overview.expiring.map(item), "hasExpiring": !overview.expiring.isEmpty,
            "expiringCount": overview.expiringCount,
            "silent": overview.silent.map(item), "hasSilent": !overview.silent.isEmpty, "silentCount": overview.silentCount,
        ]
        if let pairing = overview.pairing {
            values["live"] = "devices pairing"
            values["pendingCount"] = pairing.requests.count
            values["windowOpen"] = pairing.windowClosesAt != nil
            values["windowCloses"] = ConsoleRenderer.time(pairing.windowClosesAt)
        }
        values["recent"] = (overview.recentAudit ?? []).map { AuditRow($0).values }
        return renderer.page("overview", title: "Overview", nav: "overview", signedIn: caller, values: values)
    }

    private func list(_ request: Request, _ caller: ConsoleCaller) async throws -> Response {
        let parameters = try OAuthForm(parsing: request.uri.query ?? "")
        let state = parameters["state"].flatMap(DeviceState.init(rawValue:))
        let certificate = parameters["cert"].flatMap { HouseholdDashboard.certificateStatuses.contains($0) ? $0 : nil }
        let sort = parameters["sort"].flatMap(HouseholdDashboard.DeviceSort.init(rawValue:)) ?? .name
        let query = HouseholdDashboard.DeviceQuery(
            text: parameters["q"].map { String($0.prefix(100)) }, state: state, zone: parameters["zone"].map { String($0.prefix(64)) },
            certificate: certificate, sort: sort, descending: parameters["dir"] == "desc",
            page: parameters["page"].flatMap(Int.init) ?? 1)
        let page = try await dashboard.devices(query, for: caller.member)
        func link(_ number: Int) -> String {
            var pairs: [(String, String)] = []
            for name in ["q", "state", "zone", "cert", "sort", "dir"] { if let value = parameters[name] { pairs.append((name, value)) } }
            pairs.append(("page", String(number)))
            return "/console/devices?" + OAuthForm.encode(pairs)
        }
        let values: [String: Any] = [
            "live": "devices",
            "q": query.text ?? "", "descending": query.descending,
            "stateOptions": ConsoleRenderer.options(DeviceState.allCases.map(\.rawValue), selected: state?.rawValue),
            "zoneOptions": ConsoleRenderer.options(page.zones, selected: query.zone),
            "certOptions": ConsoleRenderer.options(HouseholdDashboard.certificateStatuses, selected: certificate),
            "sortOptions": ConsoleRenderer.options(HouseholdDashboard.DeviceSort.allCases.map(\.rawValue), selected: sort.rawValue),
            "matching": page.matching, "page": page.page, "pageCount": page.pageCount,
            "previous": page.page > 1 ? link(page.page - 1) : false as Any,
            "next": page.page < page.pageCount ? link(page.page + 1) : false as Any,
            "devices": page.devices.map { listed -> [String: Any] in
                let status = listed.status
                return [
                    "id": status.device.id.rawValue, "name": status.device.name, "zone": status.device.zone.name,
                    "state": status.device.state.rawValue, "connected": listed.isConnected,
                    "certificate": status.certificateStatus, "expires": ConsoleRenderer.time(status.certificate?.notAfter),
                    "lastSeen": ConsoleRenderer.time(status.device.lastSeenAt),
                ]
            },
        ]
        return renderer.page("devices", title: "Devices", nav: "devices", signedIn: caller, values: values)
    }

    /// What an owner may do to a device in each state.
    private static func actions(for state: DeviceState) -> [(action: String, label: String)] {
        switch state {
        case .pending: [("decommission", "Decommission")]
        case .active: [("quarantine", "Quarantine"), ("move", "Move"), ("revoke", "Revoke certificates"), ("decommission", "Decommission")]
        case .quarantined: [("release", "Release"), ("move", "Move"), ("revoke", "Revoke certificates"), ("decommission", "Decommission")]
        case .decommissioned: []
        }
    }

    private func device(_ id: DeviceID, _ caller: ConsoleCaller, notice: String? = nil) async throws -> Response {
        let detail = try await dashboard.device(id, for: caller.member)
        let device = detail.status.device
        let values: [String: Any] = [
            "live": "devices", "notice": notice as Any,
            "id": device.id.rawValue, "name": device.name, "zone": device.zone.name, "state": device.state.rawValue,
            "connected": detail.isConnected, "certificate": detail.status.certificateStatus,
            "lastSeen": ConsoleRenderer.time(device.lastSeenAt), "created": ConsoleRenderer.time(device.createdAt),
            "canManage": caller.isOwner,
            "actions": Self.actions(for: device.state).map { action -> [String: Any] in
                [
                    "action": action.action, "label": action.label, "askZone": action.action == "move",
                    "askReason": action.action == "quarantine" || action.action == "revoke",
                    "defaultReason": action.action == "revoke" ? "key-compromise" : "quarantined from the console",
                    "danger": action.action != "release" && action.action != "move",
                ]
            },
            "certificates": detail.certificates.map { record -> [String: Any] in
                [
                    "serial": record.serial, "status": record.status.rawValue, "from": ConsoleRenderer.time(record.notBefore),
                    "until": ConsoleRenderer.time(record.notAfter), "origin": record.origin.rawValue,
                ]
            },
            "hasTrail": detail.trail != nil,
            "trail": (detail.trail ?? []).map { AuditRow($0).values },
        ]
        return renderer.page("device", title: device.name, nav: "devices", signedIn: caller, values: values)
    }

    private func act(_ id: DeviceID, _ action: String, _ form: OAuthForm, _ caller: ConsoleCaller) async throws -> Response {
        let detail = try await dashboard.device(id, for: caller.member)
        let name = detail.status.device.name
        let lifecycle = console.hub.lifecycle
        let household = caller.member.householdID
        let actor = AuditActor.person(caller.member.id)
        let question: String
        switch action {
        case "quarantine": question = "Quarantine \(name)? It is cut off from the hub and the broker until released."
        case "release": question = "Release \(name) from quarantine?"
        case "move": question = "Move \(name) to the zone '\(form["zone"] ?? "")'? It gets a certificate of that zone at its next renewal."
        case "revoke": question = "Revoke every certificate of \(name)? It is disconnected at once and must pair again."
        case "decommission": question = "Decommission \(name)? Its certificates are revoked and it cannot come back."
        default: throw HearthError(.notFound, "no such device action")
        }
        let back = "/console/devices/\(id.rawValue)"
        if let ask = console.confirmation(
            form, question: question, confirmLabel: "Yes, \(action)", action: "\(back)/\(action)", back: back, caller: caller)
        {
            return ask
        }
        switch action {
        case "quarantine":
            _ = try await lifecycle.quarantine(id, household: household, reason: form["reason"] ?? "quarantined from the console", actor: actor)
        case "release":
            _ = try await lifecycle.release(id, household: household, actor: actor)
        case "move":
            _ = try await lifecycle.move(id, to: try Zone(try ConsoleAdapter.required(form, "zone", "the zone")), household: household, actor: actor)
        case "revoke":
            _ = try await lifecycle.revokeCertificates(
                id, household: household, reason: try RevocationReason.parse(form["reason"] ?? "unspecified"), actor: actor)
        default:
            _ = try await lifecycle.decommission(id, household: household, actor: actor)
        }
        return ConsoleRenderer.redirect(back)
    }
}

/// An audit entry as a table row: its fields, and the JSON the browser re-hashes to verify it.
struct AuditRow {
    let values: [String: Any]

    init(_ entry: AuditEntry) {
        let json = (try? AuditEntryView.jsonLine(entry)) ?? "{}"
        values = [
            "index": entry.index, "time": ConsoleRenderer.time(entry.time), "action": entry.action, "subject": entry.subject,
            "actor": entry.actor, "reason": entry.reason, "json": json,
        ]
    }
}
