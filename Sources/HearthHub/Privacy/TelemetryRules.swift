import Foundation
import HearthBroker
import HearthCore
import HearthMQTT
import HearthPrivacy
import HearthStore
import NIOCore
import Synchronization

/// The household's declared telemetry flows and consents, held in memory for the broker's hot
/// path (``TelemetryGate``): every device PUBLISH on `devices/<id>/telemetry/<flow>` is checked
/// against its declaration, minimized, tagged and bridged out where consented. Reloaded from the
/// store after every privacy change (at once, by the service that made it) and whenever the
/// privacy revision moves (a change by the CLI or another process).
package final class TelemetryRules: TelemetryGate {
    private let households = Mutex<[HouseholdID: HouseholdFlows]>([:])
    /// Moves (under the lock of `households`) whenever they change: a connection's memo of its
    /// flow (``TelemetryFlowMemo``) stands while it has not.
    private let generation = Atomic<UInt64>(1)
    /// Open aggregation windows, by household, device and flow.
    private let windows = Mutex<[WindowKey: AggregationWindow]>([:])
    let counters = PrivacyCounters()
    /// Flows with a declared rate: counted for detection, and limited to that rate when it says so.
    package let declaredRates = DeclaredRates()
    package let bridges: BridgeLinks

    struct WindowKey: Hashable {
        let household: HouseholdID
        let device: DeviceID
        let flow: String
    }

    package init(bridges: BridgeLinks) {
        self.bridges = bridges
    }

    // MARK: Loading

    /// Reads one household's (nil: every household's) flows, models and consents from the
    /// store, replaces what the broker enforces, and brings the bridge links in line.
    /// `madeRevision`: the privacy revision this process's own change moved to (``advance(past:)``).
    package func reload(_ store: Store, household: HouseholdID? = nil, madeRevision: Int64? = nil) async throws {
        // One at a time: a snapshot read earlier must not be applied after a later one, and two
        // bridge reconciliations at once would each start a link to the same destination.
        try await reloading.withHeld { try await self.reloadInTurn(store, household: household, madeRevision: madeRevision) }
    }

    /// This process set a device's model, moving the privacy revision to `madeRevision`: the
    /// device's entry changes in memory, without reading the household again.
    package func setModel(_ model: String?, of device: DeviceID, household: HouseholdID, madeRevision: Int64) async {
        _ = try? await reloading.withHeld {
            households.withLock { households in
                households[household]?.models[device] = model
                generation.add(1, ordering: .releasing)
            }
            advance(past: madeRevision)
        }
    }

    private let reloading = TurnGate()

    private func reloadInTurn(_ store: Store, household: HouseholdID?, madeRevision: Int64?) async throws {
        let (loaded, destinations, revision) = try await Self.load(store, household: household)
        households.withLock { households in
            let replaced: [HouseholdFlows]
            if let household {
                replaced = households[household].map { [$0] } ?? []
                households[household] = loaded[household]
            } else {
                replaced = Array(households.values)
                households = loaded
            }
            generation.add(1, ordering: .releasing)
            // Copies tagged before now ask again: their flow's consent may have changed.
            for flows in replaced {
                for flow in flows.byTag.values { flow.tag.supersede() }
            }
        }
        if household == nil {
            loadedRevision.withLock { $0 = revision }
        } else if let madeRevision {
            advance(past: madeRevision)
        }
        await bridges.reconcile(destinations, household: household, open: openDestinations(household))
    }

    /// The privacy revision (``AccessChangeRecords/bumpPrivacy()``) as of which every household's
    /// rules are loaded: the access watch reloads them all when the store's moves past it.
    private let loadedRevision = Mutex<Int64?>(nil)

    /// This process's own change, which moved the revision to `made`, is applied in memory: when
    /// it was the only change since the rules were last current, they are current again, and the
    /// access watch need not read every household for it. Otherwise (another process changed
    /// something too, or two changes here were applied out of order) the watch's reload stays due.
    private func advance(past made: Int64) {
        loadedRevision.withLock { loaded in
            if loaded == made - 1 { loaded = made }
        }
    }

    /// Whether a change made since the last full reload waits to be loaded.
    package func isBehind(_ revision: Int64) -> Bool {
        loadedRevision.withLock { $0 != revision }
    }

    /// The flows of one household (nil: of every household) as the store holds them now, their
    /// bridge destinations, and the privacy revision they are as of.
    static func load(
        _ store: Store, household: HouseholdID?
    ) async throws -> ([HouseholdID: HouseholdFlows], [PrivacyRecords.DestinationRow], Int64) {
        let (flows, consents, models, destinations, revision) = try await store.read { db in
            (
                try await db.privacy.flows(household: household), try await db.privacy.consents(household: household),
                try await db.devices.models(in: household), try await db.privacy.destinations(household: household),
                try await db.accessChanges.revisions().privacy
            )
        }
        var loaded: [HouseholdID: HouseholdFlows] = [:]
        var consented: [String: Set<FlowRecipient>] = [:]
        for consent in consents {
            // A stored recipient was parsed when the consent was given.
            guard let recipient = try? FlowRecipient(consent.recipient) else { continue }
            consented["\(consent.household.rawValue) \(consent.scope)/\(consent.flow)", default: []].insert(recipient)
        }
        for row in flows {
            // A declaration the store holds was checked when it was declared; one that no longer
            // parses (a newer hub's format) is left out, so its flow is refused, not half-enforced.
            guard let scope = try? FlowScope(row.scope), let declaration = try? FlowDeclaration.stored(Array(row.declaration.utf8))
            else { continue }
            loaded[row.household, default: HouseholdFlows()].add(DeclaredFlow(
                household: row.household, scope: scope, declaration: declaration,
                consented: consented["\(row.household.rawValue) \(row.scope)/\(row.name)"] ?? []))
        }
        for (household, devices) in models where loaded[household] != nil {
            loaded[household]?.models = devices
        }
        return (loaded, destinations, revision)
    }

    /// For each destination, the flows that may be bridged to it now.
    private func openDestinations(_ household: HouseholdID?) -> [BridgeLinks.Key: Set<String>] {
        households.withLock { households in
            var open: [BridgeLinks.Key: Set<String>] = [:]
            for (id, flows) in households where household == nil || household == id {
                for flow in flows.byTag.values {
                    for destination in flow.openDestinations {
                        open[BridgeLinks.Key(household: id, destination: destination), default: []].insert(flow.tag.key)
                    }
                }
            }
            return open
        }
    }

    // MARK: The broker's gate

    package func inspect(
        _ payload: ByteBuffer, device: DeviceID, flow name: Substring, household: HouseholdID, at time: Date,
        memo: inout TelemetryFlowMemo
    ) -> TelemetryInspection {
        guard let flow = declaredFlow(name, of: device, household: household, memo: &memo) else {
            counters.refuse(.undeclaredFlow)
            return .refused(.notAuthorized, "no flow named '\(name.prefix(32))' is declared for this device")
        }
        if let rate = flow.declaration.rate,
           !declaredRates.admit(.init(household: household, device: device, flow: flow.declaration.name), rate: rate, at: time)
        {
            counters.refuse(.rate)
            // 0x97 (quota exceeded): 0x96, message rate too high, is for DISCONNECT only (MQTT 5 §3.4.2.1).
            return .refused(.quotaExceeded, "flow '\(flow.declaration.name)' is limited to the \(rate.text) its declaration states")
        }
        guard flow.aggregates else {
            let members: MemberMemo
            if let kept = memo.hint as? MemberMemo {
                members = kept
            } else {
                members = MemberMemo()
                memo.hint = members
            }
            // Written where the memo holds it: a copy taken out (and one put back, and the empty
            // buffer left meanwhile) cost four reference counts a message, and a copy held while
            // writing would make `clear` think the storage shared.
            let refusal = payload.withUnsafeReadableBytes { bytes in
                flow.pipeline.forward(bytes, memo: members) { capacity, fill in
                    memo.output.clear(minimumCapacity: capacity)
                    memo.output.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { room in
                        fill(room.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            let output = memo.output
            if output.capacity > Self.largestKeptOutput { memo.output = ByteBuffer() }
            if let refusal { return refused(refusal) }
            bridge(Array(output.readableBytesView), of: flow, device: device)
            return .forward(output, flow.tag, retention: flow.retention)
        }
        let key = WindowKey(household: household, device: device, flow: flow.declaration.name)
        let verdict = windows.withLock { windows in
            var window = windows[key]
            let verdict = payload.withUnsafeReadableBytes { flow.pipeline.process($0, at: time, window: &window) }
            windows[key] = window
            return verdict
        }
        switch verdict {
        case .refused(let refusal):
            return refused(refusal)
        case .absorbed(emitted: nil):
            return .absorbed
        case .absorbed(emitted: let aggregate?), .forward(let aggregate):
            bridge(aggregate, of: flow, device: device)
            return .forward(ByteBuffer(bytes: aggregate), flow.tag, retention: flow.retention)
        }
    }

    /// A connection keeps the buffer its last minimized payload was written to up to this size:
    /// a device's usual payload fits, a rare large one is not held for the connection's life.
    private static let largestKeptOutput = 4096

    private func refused(_ refusal: HearthPrivacy.TelemetryRefusal) -> TelemetryInspection {
        counters.refuse(refusal.kind == .schema ? .schema : .notJSON)
        return .refused(.payloadFormatInvalid, refusal.reason)
    }

    /// The flow a device publishes on, from the connection's memo while the rules have not changed
    /// since it was written.
    private func declaredFlow(_ name: Substring, of device: DeviceID, household: HouseholdID, memo: inout TelemetryFlowMemo) -> DeclaredFlow? {
        if memo.generation == generation.load(ordering: .acquiring), memo.device == device.rawValue, memo.flow == name {
            return memo.entry as? DeclaredFlow
        }
        let (flow, current) = households.withLock {
            ($0[household]?.flow(name, of: device), generation.load(ordering: .relaxed))
        }
        memo.remember(generation: current, device: device.rawValue, flow: name, entry: flow)
        return flow
    }

    package func appsMayReceive(_ tag: FlowTag, household: HouseholdID) -> Bool {
        if let reachesApps = tag.reachesApps, !tag.isSuperseded { return reachesApps }
        return households.withLock { $0[household]?.byTag[tag.key]?.reachesApps } ?? false
    }

    /// `payload` is read only when the flow goes out anywhere: most flows stay home.
    private func bridge(_ payload: @autoclosure () -> [UInt8], of flow: DeclaredFlow, device: DeviceID) {
        guard !flow.openDestinations.isEmpty else { return }
        let payload = payload()
        for destination in flow.openDestinations {
            bridges.forward(
                payload, topic: "devices/\(device.rawValue)/telemetry/\(flow.declaration.name)", tag: flow.tag.key,
                to: BridgeLinks.Key(household: flow.household, destination: destination))
        }
    }

    // MARK: Aggregation windows

    /// An aggregate of a window that ended with no later message to carry it out.
    package struct ClosedWindow: Sendable {
        package let household: HouseholdID
        package let device: DeviceID
        package let topic: String
        package let payload: [UInt8]
        package let tag: FlowTag
        /// The flow's retention, in seconds.
        package let retention: TimeInterval
    }

    /// Closes the windows that ended by `time`; their aggregates are bridged here and returned
    /// for the broker to publish.
    package func closeWindows(endingBy time: Date) -> [ClosedWindow] {
        let emitted = windows.withLock { windows in
            var emitted: [(WindowKey, [UInt8])] = []
            for key in Array(windows.keys) {
                guard var window = windows[key], let aggregate = window.flush(endingBy: time) else { continue }
                windows[key] = window
                emitted.append((key, aggregate))
            }
            return emitted
        }
        return emitted.compactMap { key, payload in
            guard let flow = households.withLock({ $0[key.household]?.flow(Substring(key.flow), of: key.device) }) else { return nil }
            bridge(payload, of: flow, device: key.device)
            return ClosedWindow(
                household: key.household, device: key.device, topic: "devices/\(key.device.rawValue)/telemetry/\(key.flow)",
                payload: payload, tag: flow.tag, retention: flow.retention)
        }
    }

    // MARK: Views

    /// Every household's flows as enforced now.
    var enforced: [HouseholdID: HouseholdFlows] { households.withLock { $0 } }

    /// Counts what a retention sweep found overdue: a sweep that fell behind shows in the
    /// privacy metrics for good, not only until the next sweep.
    package func noteSweep(_ sweep: Broker.ExpirySweep) {
        counters.countOverdue(sweep.overdue)
    }
}

extension TelemetryRules {
    /// A device's model (as its attestation or pairing recorded it) and the declarations of the
    /// flows its household's apps may receive now: declared for apps, consented where needed.
    package func appFlows(of device: DeviceID, household: HouseholdID) -> (model: String?, flows: [FlowDeclaration]) {
        households.withLock { households in
            guard let flows = households[household] else { return (nil, []) }
            let reaching = flows.flows(of: device).values.filter(\.reachesApps).map(\.declaration)
            return (flows.models[device], reaching.sorted { $0.name < $1.name })
        }
    }
}
