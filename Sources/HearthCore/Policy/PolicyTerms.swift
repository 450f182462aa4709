import struct Foundation.Date

/// Who asks. A device is known by what the hub stored about it and by the certificate it
/// authenticated with; a person by the membership their session picked (household, role, access).
public enum PolicySubject: Sendable, Hashable {
    case device(DeviceFacts, presenting: CertificateFacts)
    case person(Membership)
    /// An app holding an OAuth access token for a person (on the MQTT broker).
    case app(AppFacts)
    /// A person in a hub-operator session: households as a whole, never what is in them.
    case hubOperator(PersonID)
}

/// What the subject wants to do: what a device does over the API and MQTT, what people do to
/// devices, and what apps do over MQTT.
public enum PolicyAction: String, Sendable, Hashable, CaseIterable {
    /// A device trades its certificate for one with a new key.
    case renewCertificate = "certificate.renew"
    /// A device replaces its certificate before the renewal window because it suspects its key
    /// leaked: at most once an hour, and a signal for detection.
    case rekeyCertificate = "certificate.rekey"
    /// A device reads its own record (state, zone, when to renew).
    case readOwnRecord = "device.read-self"
    /// A device sends telemetry or state.
    case publishTelemetry = "telemetry.publish"
    /// A device receives commands meant for it.
    case receiveCommands = "commands.receive"
    /// A person lists or reads a device.
    case viewDevice = "device.view"
    /// A person moves, quarantines, releases, revokes or decommissions a device.
    case manageDevice = "device.manage"
    /// A client opens an MQTT session with the broker.
    case connectMessaging = "mqtt.connect"
    /// A client publishes an MQTT message (or names it as its last will).
    case publishMessage = "mqtt.publish"
    /// A client subscribes to an MQTT topic filter.
    case subscribeMessages = "mqtt.subscribe"
    /// A person administers their household: people, pairing, the PKI, apps, transfers, the audit log.
    case administerHousehold = "household.administer"
    /// A person uses the household at all (reads what they may see, signs in to it).
    case useHousehold = "household.use"
    /// Creates, lists, suspends, resumes or deletes households, and reads the hub's health.
    case operateHub = "hub.operate"
}

/// What the action is about.
public enum PolicyResource: Sendable, Hashable {
    /// The subject device itself (its record, its telemetry, its command topic).
    case ownDevice
    /// A certificate, for renewal: the one the device presented.
    case certificate(CertificateFacts)
    /// Another device (for people; later, devices commanding devices of their zone).
    case device(DeviceFacts)
    /// The MQTT broker itself (for connecting).
    case broker
    /// An MQTT topic, and the device it commands when it is `devices/<id>/cmd/…` and that
    /// device is known in the subject's household.
    case topic(MessagingTopic, commanding: DeviceFacts?)
    /// An MQTT topic filter.
    case topicFilter(MessagingTopic)
    /// A household as a whole.
    case household(HouseholdID)
    /// The hub itself: its households, health and counts.
    case hub
}

/// A device as the policy sees it.
public struct DeviceFacts: Sendable, Hashable {
    public let id: DeviceID
    public let household: HouseholdID
    public let zone: Zone
    public let state: DeviceState
    public let posture: Posture
    /// Why the device is out of posture, for the refusal it is given (docs/firmware.md).
    public let postureReason: String?

    public init(
        id: DeviceID, household: HouseholdID, zone: Zone, state: DeviceState, posture: Posture = .unreported,
        postureReason: String? = nil
    ) {
        self.id = id
        self.household = household
        self.zone = zone
        self.state = state
        self.posture = posture
        self.postureReason = postureReason
    }

    public init(_ device: Device, posture: Posture = .unreported, postureReason: String? = nil) {
        self.init(
            id: device.id, household: device.householdID, zone: device.zone, state: device.state, posture: posture,
            postureReason: postureReason)
    }
}

/// Whether a device's firmware meets the posture rules that apply to it (docs/firmware.md).
public enum Posture: String, Sendable, Hashable, CaseIterable {
    /// No rule applies and the device reported nothing: accepted.
    case unreported
    case compliant
    /// Below a rule's minimum security version, running a withdrawn release, or silent where a
    /// rule applies: it may report its firmware and availability and wait for its update
    /// (`devices/<id>/cmd/update`), nothing else, and renews only together with an update.
    case outOfPosture = "out-of-posture"
    /// Out of posture under a rule that quarantines: it may read its own record and renew with
    /// an update, and not use the broker at all.
    case isolated

    public var isRestricted: Bool { self == .outOfPosture || self == .isolated }
}

/// A device certificate as the policy sees it.
public struct CertificateFacts: Sendable, Hashable {
    public let serial: String
    public let notBefore: Date
    public let notAfter: Date
    public let revoked: Bool
    /// The certificate came from pairing and must be replaced at once (immediate key rotation).
    public let rotationDue: Bool
    /// A newer certificate was already issued from this one.
    public let renewed: Bool
    /// When it was issued (`notBefore` is back-dated a little for clock skew).
    public let issuedAt: Date

    public init(
        serial: String, notBefore: Date, notAfter: Date, revoked: Bool, rotationDue: Bool, renewed: Bool,
        issuedAt: Date? = nil
    ) {
        self.serial = serial
        self.issuedAt = issuedAt ?? notBefore
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.revoked = revoked
        self.rotationDue = rotationDue
        self.renewed = renewed
    }

    /// The same certificate, revoked when `revoked` (the live revocation set can know before
    /// the record that was read).
    public func revoked(if revoked: Bool) -> CertificateFacts {
        CertificateFacts(
            serial: serial, notBefore: notBefore, notAfter: notAfter, revoked: self.revoked || revoked,
            rotationDue: rotationDue, renewed: renewed, issuedAt: issuedAt)
    }

    /// The start of the renewal window: the last third of the lifetime from the issue time.
    public var renewalOpensAt: Date { CertificateValidity.renewalOpens(issuedAt: issuedAt, notAfter: notAfter) }
}

/// The circumstances of a request.
public struct PolicyContext: Sendable, Hashable {
    public let now: Date
    /// For a command to a device whose zone weighs context (``ZoneRequirements``): what the hub
    /// learned about the commander and the household; nil when nothing is learned (detection off).
    public let command: CommandContext?

    public init(now: Date, command: CommandContext? = nil) {
        self.now = now
        self.command = command
    }
}

/// What the hub knows about a command beyond who sends it: whether this commander has commanded
/// this device before (or an owner approved it), whether the household commands such devices at
/// this hour, and the commander's current risk score.
public struct CommandContext: Sendable, Hashable {
    public let familiar: Bool
    public let usualHour: Bool
    /// 0–100, decaying; see detection's risk score.
    public let risk: Double

    public init(familiar: Bool, usualHour: Bool, risk: Double) {
        self.familiar = familiar
        self.usualHour = usualHour
        self.risk = risk
    }
}

/// The answer: allowed or not, with a stable code (for APIs and signals) and a reason a person
/// can act on.
public struct PolicyDecision: Sendable, Hashable {
    public let allowed: Bool
    public let code: String
    public let reason: String
    /// Not allowed now, but kept for an owner to approve with a second factor (a command to a
    /// `security` device out of the ordinary).
    public let held: Bool

    public static func allow(_ reason: String) -> PolicyDecision {
        PolicyDecision(allowed: true, code: "allowed", reason: reason, held: false)
    }
    public static func deny(_ code: String, _ reason: String) -> PolicyDecision {
        PolicyDecision(allowed: false, code: code, reason: reason, held: false)
    }
    public static func hold(_ code: String, _ reason: String) -> PolicyDecision {
        PolicyDecision(allowed: false, code: code, reason: reason, held: true)
    }
}
