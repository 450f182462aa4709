import struct Foundation.Date
import typealias Foundation.TimeInterval
/// Policy engine, version 1: every decision about what a device or person may do to a device
/// goes through ``decide(_:_:_:_:)``, so the rules live in one place and one table tests them.
///
/// Rules, in the order they are checked:
/// - a device may act only as itself, with a certificate that is neither revoked nor expired;
/// - a decommissioned device may do nothing; a pending one (waiting to be claimed) may only read
///   its own record and make the key rotation that follows pairing;
/// - a quarantined device may read its own record and nothing else, so it can learn why;
/// - a device out of posture may read its record, renew only together with an update (the
///   firmware it reports in the request must be in posture), report its firmware and
///   availability and wait for its update command; nothing else (an isolated one not even that);
/// - renewal: from the certificate the device presented, once, in the last third of its
///   lifetime — or at once for a certificate from pairing (immediate key rotation); a rekey for a
///   suspected key leak, earlier, from a certificate at least ``rekeyInterval`` old;
/// - people act in the household their session or token picked, and only while their access is
///   open (a guest's period and hours): anyone of the household may use it and view the devices
///   their access reaches; only an owner may manage devices or administer the household; nobody
///   acts on another household's devices;
/// - a hub operator operates the hub (households as a whole) and nothing inside a household;
/// - MQTT (``MessagingPolicy``): devices publish about themselves and receive their own commands,
///   peers of a zone that allows it command each other; apps read and command by scope.
public enum PolicyEngine {
    public static func decide(
        _ subject: PolicySubject, _ action: PolicyAction, _ resource: PolicyResource, _ context: PolicyContext
    ) -> PolicyDecision {
        switch subject {
        case .device(let device, let presented):
            return decideForDevice(device, presented: presented, action, resource, context)
        case .person(let membership):
            return decideForPerson(membership, action, resource, context)
        case .app(let app):
            return decideForApp(app, action, resource, context)
        case .hubOperator:
            guard action == .operateHub, resource == .hub else {
                return .deny("operator-only-hub", "a hub operator manages households as a whole, not what is in them")
            }
            return .allow("a hub operator")
        }
    }

    /// The refusal for a device out of posture, or nil where its action is one it keeps.
    private static func decideOutOfPosture(_ device: DeviceFacts, _ action: PolicyAction, _ resource: PolicyResource) -> PolicyDecision? {
        let why = device.postureReason ?? "its firmware is out of posture"
        let own = "devices/\(device.id)/"
        switch (action, resource) {
        case (.readOwnRecord, _):
            return nil
        case (.renewCertificate, _), (.rekeyCertificate, _):
            return .deny(
                "out-of-posture",
                "device \(device.id) renews only together with an update: \(why); install a release in posture and report it in the renewal request")
        case (.connectMessaging, _) where device.posture == .outOfPosture:
            return nil
        case (.publishMessage, .topic(let topic, _))
            where device.posture == .outOfPosture && [own + "availability", own + "firmware"].contains(topic.description):
            return nil
        case (.subscribeMessages, .topicFilter(let filter))
            where device.posture == .outOfPosture && filter.isCovered(by: MessagingTopic(own + "cmd/update")):
            return nil
        default:
            return .deny(
                "out-of-posture",
                device.posture == .isolated
                    ? "device \(device.id) is isolated until it updates: \(why)"
                    : "device \(device.id) may only report its firmware and availability and wait for devices/\(device.id)/cmd/update until it updates: \(why)")
        }
    }

    private static func decideForDevice(
        _ device: DeviceFacts, presented: CertificateFacts, _ action: PolicyAction, _ resource: PolicyResource,
        _ context: PolicyContext
    ) -> PolicyDecision {
        if presented.revoked { return .deny("certificate-revoked", "certificate \(presented.serial) is revoked") }
        guard context.now < presented.notAfter, context.now >= presented.notBefore else {
            return .deny("certificate-expired", "certificate \(presented.serial) is not valid now; pair the device again")
        }
        switch device.state {
        case .decommissioned:
            return .deny("device-decommissioned", "device \(device.id) is decommissioned; its identity is retired")
        case .pending where action != .readOwnRecord && !(action == .renewCertificate && presented.rotationDue):
            return .deny("device-pending", "device \(device.id) is waiting for an owner to claim it")
        case .quarantined where action != .readOwnRecord:
            return .deny("device-quarantined", "device \(device.id) is quarantined; an owner must release it")
        default:
            break
        }
        if device.posture.isRestricted, let refusal = decideOutOfPosture(device, action, resource) { return refusal }
        switch (action, resource) {
        case (.readOwnRecord, .ownDevice), (.publishTelemetry, .ownDevice), (.receiveCommands, .ownDevice):
            return .allow("a device acting on itself")
        case (.renewCertificate, .certificate(let certificate)):
            return decideRenewal(presented: presented, of: certificate, context)
        case (.rekeyCertificate, .certificate(let certificate)):
            return decideRekey(presented: presented, of: certificate, context)
        case (.connectMessaging, .broker):
            return .allow("an active device")
        case (.publishMessage, .topic(let topic, let target)):
            return MessagingPolicy.devicePublish(device, topic, target: target)
        case (.subscribeMessages, .topicFilter(let filter)):
            return MessagingPolicy.deviceSubscribe(device, filter)
        case (.viewDevice, _), (.manageDevice, _), (.administerHousehold, _), (.useHousehold, _), (.operateHub, _):
            return .deny("not-a-person", "only people view and manage devices and households")
        default:
            return .deny("not-permitted", "a device may not \(action.rawValue) on that")
        }
    }

    private static func decideRenewal(
        presented: CertificateFacts, of certificate: CertificateFacts, _ context: PolicyContext
    ) -> PolicyDecision {
        guard certificate.serial == presented.serial else {
            return .deny("not-permitted", "a device renews only the certificate it authenticated with")
        }
        if certificate.renewed {
            return .deny("already-renewed", "certificate \(certificate.serial) was already renewed; use the newer one")
        }
        if certificate.rotationDue { return .allow("immediate key rotation after pairing") }
        guard context.now >= certificate.renewalOpensAt else {
            return .deny(
                "renewal-too-early",
                "certificate \(certificate.serial) can be renewed from \(RFC3339.format(certificate.renewalOpensAt)) (the last third of its lifetime)")
        }
        return .allow("in the renewal window")
    }

    /// How often a device may rekey before its renewal window: each certificate renews once, so
    /// a certificate this old bounds forced rekeys to one an hour — enough to recover from a
    /// suspected leak, too rare to churn the CA or hide a stolen key's use among rotations.
    public static let rekeyInterval: TimeInterval = 3600

    private static func decideRekey(
        presented: CertificateFacts, of certificate: CertificateFacts, _ context: PolicyContext
    ) -> PolicyDecision {
        let renewal = decideRenewal(presented: presented, of: certificate, context)
        guard renewal.code == "renewal-too-early" else { return renewal }
        let opens = certificate.issuedAt.addingTimeInterval(rekeyInterval)
        guard context.now >= opens else {
            return .deny(
                "rekey-too-soon",
                "certificate \(certificate.serial) was issued less than an hour ago; a rekey before the renewal window is allowed once an hour (from \(RFC3339.format(opens)))")
        }
        return .allow("a rekey for a suspected key leak")
    }

    private static func decideForPerson(
        _ membership: Membership, _ action: PolicyAction, _ resource: PolicyResource, _ context: PolicyContext
    ) -> PolicyDecision {
        if action == .operateHub {
            return .deny("operator-session-required", "operating the hub needs a hub-operator session")
        }
        let household: HouseholdID
        switch resource {
        case .device(let device): household = device.household
        case .household(let id): household = id
        default:
            return .deny("not-permitted", "people act on devices and their household, not on \(action.rawValue) of that")
        }
        guard household == membership.householdID else {
            return .deny("other-household", "that belongs to another household")
        }
        guard membership.access.isOpen(at: context.now) else {
            return .deny("outside-access-window", "your access to this household is not open now")
        }
        switch (action, resource) {
        case (.useHousehold, .household):
            return .allow("a person of the household")
        case (.administerHousehold, .household):
            return membership.role == .owner
                ? .allow("an owner of the household") : .deny("owner-only", "only a household owner may do that")
        case (.viewDevice, .device(let device)):
            guard membership.access.reaches(device.id, zone: device.zone) else {
                return .deny("device-not-granted", "device \(device.id) is not among the devices you may use")
            }
            return .allow("a person of the household with access to the device")
        case (.manageDevice, .device):
            return membership.role == .owner
                ? .allow("an owner of the household") : .deny("owner-only", "only a household owner may manage devices")
        case (.renewCertificate, _), (.rekeyCertificate, _), (.readOwnRecord, _), (.publishTelemetry, _), (.receiveCommands, _):
            return .deny("device-only", "only the device itself may \(action.rawValue)")
        case (.connectMessaging, _), (.publishMessage, _), (.subscribeMessages, _):
            return .deny("token-required", "people use the broker through an app holding an access token")
        default:
            return .deny("not-permitted", "people may not \(action.rawValue) on that")
        }
    }

    private static func decideForApp(
        _ app: AppFacts, _ action: PolicyAction, _ resource: PolicyResource, _ context: PolicyContext
    ) -> PolicyDecision {
        guard app.access.isOpen(at: context.now) else {
            return .deny("outside-access-window", "the person's access to this household is not open now")
        }
        switch (action, resource) {
        case (.connectMessaging, .broker):
            return MessagingPolicy.appConnect(app)
        case (.publishMessage, .topic(let topic, let target)):
            return MessagingPolicy.appPublish(app, topic, target: target, context)
        case (.subscribeMessages, .topicFilter(let filter)):
            return MessagingPolicy.appSubscribe(app, filter)
        default:
            return .deny("not-permitted", "an app's token is for messaging here, not for \(action.rawValue)")
        }
    }
}
