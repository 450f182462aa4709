@testable import HearthBroker
import Foundation
import HearthCore
import HearthMQTT
import NIOCore

typealias Machine = MQTTSessionStateMachine

extension Machine.OutgoingPublish {
    /// The PUBLISH as it goes on the wire: what `encode(version:into:)` writes, as one packet.
    var packet: PublishPacket {
        var packet = messagePacket
        packet.properties = copyProperties.applied(to: packet.properties)
        return packet
    }
}

/// An action as a test compares it: the packets exactly, the rest by what identifies them.
enum Step: Equatable {
    case send(MQTTPacket)
    case sendPublish(PublishPacket)
    case pauseReading, resumeReading
    case authenticate(clientID: String)
    case attach(cleanStart: Bool, expiryInterval: UInt32)
    case watchSession(keepAliveCheckAt: NIODeadline, credentialValidFor: TimeAmount)
    case scheduleKeepAliveCheck(NIODeadline)
    case refuse(ConnAckPacket)
    case askPolicy(topic: String)
    case recordDenial(PolicyAction, sample: String)
    case route(topic: String, watchCongestion: Bool)
    case subscribe(filters: [String], denied: [String])
    case unsubscribe([String])
    case awaitStorage(UInt64)
    case settle(topic: String), discard(topic: String), requeue(topic: String)
    case holdCommand(topic: String)
    case countDropped, beginCongestion, endCongestion
    case close(sending: MQTTPacket?)
    case closeNow
    case finish(SessionEndStep?)

    init(_ action: Machine.Action) {
        switch action {
        case .none: preconditionFailure("`.none` is not a step")
        case .send(let packet): self = .send(packet)
        case .sendPublish(let outgoing): self = .sendPublish(outgoing.packet)
        case .pauseReading: self = .pauseReading
        case .resumeReading: self = .resumeReading
        case .authenticate(let connect): self = .authenticate(clientID: connect.clientID)
        case .attach(_, let cleanStart, let expiry): self = .attach(cleanStart: cleanStart, expiryInterval: expiry)
        case .watchSession(let at, let validFor): self = .watchSession(keepAliveCheckAt: at, credentialValidFor: validFor)
        case .scheduleKeepAliveCheck(let at): self = .scheduleKeepAliveCheck(at)
        case .refuse(let connack, _): self = .refuse(connack)
        case .askPolicy(let question): self = .askPolicy(topic: question.topic)
        case .recordDenial(let denial): self = .recordDenial(denial.action, sample: denial.sample)
        case .holdCommand(_, _, let topic, _, _): self = .holdCommand(topic: topic)
        case .route(let publish, let watch): self = .route(topic: publish.topic, watchCongestion: watch)
        case .subscribe(let grants, let denials): self = .subscribe(filters: grants.map(\.filter.text), denied: denials.map(\.sample))
        case .unsubscribe(let filters): self = .unsubscribe(filters)
        case .awaitStorage(let position): self = .awaitStorage(position)
        case .settle(let delivery): self = .settle(topic: delivery.message.topic)
        case .discard(let delivery): self = .discard(topic: delivery.message.topic)
        case .requeue(let delivery): self = .requeue(topic: delivery.message.topic)
        case .countDropped: self = .countDropped
        case .beginCongestion: self = .beginCongestion
        case .endCongestion: self = .endCongestion
        case .close(let packet): self = .close(sending: packet)
        case .closeNow: self = .closeNow
        case .finish(let end): self = .finish(end.map(SessionEndStep.init))
        }
    }
}

struct SessionEndStep: Equatable {
    var unacknowledged: [UInt16?]
    var will: Will?
    var willDelay: UInt32
    var expiryInterval: UInt32

    init(unacknowledged: [UInt16?] = [], will: Will? = nil, willDelay: UInt32 = 0, expiryInterval: UInt32 = 0) {
        self.unacknowledged = unacknowledged
        self.will = will
        self.willDelay = willDelay
        self.expiryInterval = expiryInterval
    }

    init(_ end: Machine.SessionEnd) {
        self.init(
            unacknowledged: end.unacknowledged.map(\.packetID), will: end.will?.will, willDelay: end.will?.delay ?? 0,
            expiryInterval: end.expiryInterval)
    }
}

/// A machine driven as ``MQTTConnection`` drives it, with a clock the test moves, and no I/O.
struct Session {
    static let versions: [MQTTVersion] = [.v311, .v5]
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let household = HouseholdID()
    static let lamp = DeviceFacts(id: DeviceID(), household: household, zone: .lighting, state: .active)
    static let certificate = CertificateFacts(
        serial: "0a", notBefore: t0.addingTimeInterval(-86_400), notAfter: t0.addingTimeInterval(86_400 * 365), revoked: false,
        rotationDue: false, renewed: false)
    static let client = BrokerClient(
        household: household, subject: .device(lamp, presenting: certificate), sessionKey: "device:lamp", clientID: "lamp",
        certificateSerial: "0a", tokenID: nil, validUntil: t0.addingTimeInterval(3600), auditSubject: "device:lamp",
        assignedClientID: false)
    static var ownTopic: String { "devices/\(lamp.id)/state" }

    var machine: Machine
    var now = Session.t0
    var writable = true

    init(limits: BrokerConfiguration = BrokerConfiguration()) {
        machine = Machine(limits: limits, now: Self.start)
    }

    /// The action an event gave, then what ``Machine/next(now:writable:)`` gives until `.none`.
    mutating func run(_ first: Machine.Action) -> [Step] {
        var steps: [Step] = []
        var action = first
        while true {
            if case .none = action {
                action = machine.next(now: now, writable: writable)
                if case .none = action { return steps }
            }
            steps.append(Step(action))
            action = .none
        }
    }

    mutating func receive(_ packet: MQTTPacket) -> [Step] {
        run(machine.packetReceived(packet, now: now))
    }

    /// CONNECT, accepted by the gatekeeper, attached, stored at once: through to the CONNACK.
    mutating func connect(
        _ connect: ConnectPacket, client: BrokerClient = Session.client, attachment: Machine.Attachment = Session.freshSession
    ) -> [Step] {
        var steps = receive(.connect(connect))
        steps += run(machine.authenticated(.accepted(client), now: now))
        steps += run(machine.attached(attachment))
        return steps
    }

    static let freshSession = Machine.Attachment(sessionPresent: false, resumed: [], awaitingRelease: [], generation: 1, durable: 0)

    static func connectPacket(
        _ version: MQTTVersion, keepAlive: UInt16 = 60, cleanStart: Bool = true, will: Will? = nil,
        properties: MQTTProperties = .none
    ) -> ConnectPacket {
        ConnectPacket(version: version, clientID: "lamp", cleanStart: cleanStart, keepAlive: keepAlive, will: will, properties: properties)
    }

    /// A connected session (keep-alive 60 s) with its connect steps dropped.
    static func connected(_ version: MQTTVersion, limits: BrokerConfiguration = BrokerConfiguration(), properties: MQTTProperties = .none, will: Will? = nil, sessionExpiry: UInt32? = nil) -> Session {
        var session = Session(limits: limits)
        var properties = properties
        if let sessionExpiry { properties.sessionExpiryInterval = sessionExpiry }
        _ = session.connect(connectPacket(version, will: will, properties: properties))
        precondition(session.machine.phase == .connected)
        return session
    }

    /// A message the broker routes to this client.
    static func delivery(_ topic: String = "devices/x/cmd/power", qos: QoS, payload: String = "on", packetID: UInt16? = nil, released: Bool = false) -> Delivery {
        let message = BrokerMessage(
            topic: topic, payload: ByteBuffer(string: payload), qos: qos, retain: false, properties: .none, expiresAt: nil,
            publisher: "device:switch")
        var delivery = Delivery(message: message, qos: qos, retain: false, subscriptionIdentifiers: [])
        delivery.packetID = packetID
        delivery.released = released
        return delivery
    }

    mutating func deliver(_ delivery: Delivery) -> [Step] {
        run(machine.deliver(delivery, now: now, writable: writable))
    }

    static func reasonString(_ text: String) -> MQTTProperties {
        var properties = MQTTProperties()
        properties.reasonString = text
        return properties
    }

    static func disconnect(_ reason: ReasonCode, _ text: String) -> MQTTPacket {
        .disconnect(DisconnectPacket(reasonCode: reason, properties: reasonString(text)))
    }

    static func publish(_ topic: String, qos: QoS = .atMostOnce, id: UInt16? = nil, properties: MQTTProperties = .none) -> MQTTPacket {
        .publish(PublishPacket(topic: topic, payload: ByteBuffer(string: "x"), qos: qos, packetID: id, properties: properties))
    }
}
