import Foundation
@testable import HearthBroker
import HearthCore
import HearthMQTT
import Logging
import NIOCore
import Synchronization
import Testing

/// Sessions restored after a restart, before their clients connect again: the broker keeps
/// routing to them from what their stored records say.
@Suite struct RestoredSessionTests {
    static let household = HouseholdID()

    /// A stored app session subscribed to every device's readings.
    static func stored(app: Bool?) -> StoredSession {
        StoredSession(
            key: "app:owner:monitor", household: household, expiryInterval: 3600, disconnectedAt: nil,
            subscriptions: [StoredSubscription(
                filter: "devices/+/telemetry/reading", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0,
                identifier: nil)],
            awaitingRelease: [], app: app)
    }

    @Test(arguments: [true, false])
    func telemetryIsQueuedForARestoredAppSessionOnly(app: Bool) async throws {
        let broker = Broker(
            configuration: BrokerConfiguration(), gatekeeper: NoClients(), storage: Stored(Self.stored(app: app)),
            logger: Logger(label: "test"), telemetryGate: Consented())
        try await broker.restore()
        let reading = BrokerMessage(
            topic: "devices/lamp/telemetry/reading", payload: ByteBuffer(string: #"{"seq":1}"#), qos: .atLeastOnce,
            retain: false, properties: .none, expiresAt: nil, publisher: "device:lamp", flow: FlowTag("lamp/reading"))
        broker.publish(reading, household: Self.household)
        // Queued for the app's session, and stored (one change); a device's session gets no telemetry.
        #expect(broker.outbox.enqueuedCount == (app ? 1 : 0))
        #expect(broker.state.withLock { $0.sessions["app:owner:monitor"]?.queue.count } == (app ? 1 : 0))
    }

    @Test func aRecordFromBeforeTheFlagIsNoApp() async throws {
        let data = try JSONEncoder().encode(Self.stored(app: nil))
        #expect(try JSONDecoder().decode(StoredSession.self, from: data).app == nil)
        let broker = Broker(
            configuration: BrokerConfiguration(), gatekeeper: NoClients(), storage: Stored(Self.stored(app: nil)),
            logger: Logger(label: "test"), telemetryGate: Consented())
        try await broker.restore()
        #expect(broker.state.withLock { $0.sessions["app:owner:monitor"]?.app } == false)
    }
}

/// Storage holding one session; what is applied is kept in order.
private final class Stored: BrokerStorage {
    let session: StoredSession
    let applied = Mutex<[StorageChange]>([])

    init(_ session: StoredSession) { self.session = session }

    func load(household: HouseholdID?) async throws -> StoredBrokerState { StoredBrokerState(sessions: [session]) }
    func apply(_ changes: [StorageChange]) async throws { applied.withLock { $0 += changes } }
}

/// Every flow consented: the question here is whether the session is an app's.
private struct Consented: TelemetryGate {
    func inspect(
        _ payload: ByteBuffer, device: DeviceID, flow: Substring, household: HouseholdID, at time: Date, memo: inout TelemetryFlowMemo
    ) -> TelemetryInspection {
        .forward(payload, FlowTag("\(device)/\(flow)"), retention: 3600)
    }
    func appsMayReceive(_ tag: FlowTag, household: HouseholdID) -> Bool { true }
}

/// No client connects in these tests.
struct NoClients: BrokerGatekeeper {
    func authenticate(_ attempt: ConnectAttempt) async -> ConnectVerdict { .refused(.notAuthorized, "no clients here") }
    func device(_ id: Substring, in household: HouseholdID) async -> DeviceFacts? { nil }
    func revalidate(_ clients: [BrokerClient]) async -> [String: Cutoff] { [:] }
    func presentingRevokedCertificates(_ clients: [BrokerClient]) -> [String: Cutoff] { [:] }
    func audit(_ denials: [DenialSummary]) async {}
}
