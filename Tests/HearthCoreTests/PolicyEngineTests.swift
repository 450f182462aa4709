import Foundation
import HearthCore
import Testing

@Suite struct PolicyEngineTests {
    static let household = HouseholdID()
    static let deviceID = DeviceID()
    static let issued = Date(timeIntervalSince1970: 1_800_000_000)
    static let inWindow = issued.addingTimeInterval(20 * 3600)  // of a 24 h certificate
    static let early = issued.addingTimeInterval(3600)

    static func device(_ state: DeviceState, posture: Posture = .unreported) -> DeviceFacts {
        DeviceFacts(id: deviceID, household: household, zone: .lighting, state: state, posture: posture)
    }

    static func certificate(
        serial: String = "01aa", revoked: Bool = false, rotationDue: Bool = false, renewed: Bool = false
    ) -> CertificateFacts {
        CertificateFacts(
            serial: serial, notBefore: issued, notAfter: issued.addingTimeInterval(24 * 3600), revoked: revoked,
            rotationDue: rotationDue, renewed: renewed)
    }

    /// The resource each action is asked about by a device: renewal is about the certificate it
    /// presented, everything else about itself.
    static func ownResource(_ action: PolicyAction) -> PolicyResource {
        switch action {
        case .renewCertificate, .rekeyCertificate: .certificate(certificate())
        case .connectMessaging: .broker
        case .publishMessage: .topic(MessagingTopic("devices/\(deviceID)/state"), commanding: nil)
        case .subscribeMessages: .topicFilter(MessagingTopic("devices/\(deviceID)/cmd/#"))
        default: .ownDevice
        }
    }

    /// Every device state × every action, with a valid certificate in its renewal window.
    static let deviceTable: [DeviceState: [PolicyAction: String]] = [
        .pending: [
            .renewCertificate: "device-pending", .rekeyCertificate: "device-pending", .readOwnRecord: "allowed", .publishTelemetry: "device-pending",
            .receiveCommands: "device-pending", .viewDevice: "device-pending", .manageDevice: "device-pending",
            .connectMessaging: "device-pending", .publishMessage: "device-pending", .subscribeMessages: "device-pending",
            .administerHousehold: "device-pending", .useHousehold: "device-pending", .operateHub: "device-pending",
        ],
        .active: [
            .renewCertificate: "allowed", .rekeyCertificate: "allowed", .readOwnRecord: "allowed", .publishTelemetry: "allowed",
            .receiveCommands: "allowed", .viewDevice: "not-a-person", .manageDevice: "not-a-person",
            .connectMessaging: "allowed", .publishMessage: "allowed", .subscribeMessages: "allowed",
            .administerHousehold: "not-a-person", .useHousehold: "not-a-person", .operateHub: "not-a-person",
        ],
        .quarantined: [
            .renewCertificate: "device-quarantined", .rekeyCertificate: "device-quarantined", .readOwnRecord: "allowed", .publishTelemetry: "device-quarantined",
            .receiveCommands: "device-quarantined", .viewDevice: "device-quarantined", .manageDevice: "device-quarantined",
            .connectMessaging: "device-quarantined", .publishMessage: "device-quarantined",
            .subscribeMessages: "device-quarantined",
            .administerHousehold: "device-quarantined", .useHousehold: "device-quarantined", .operateHub: "device-quarantined",
        ],
        .decommissioned: [
            .renewCertificate: "device-decommissioned", .rekeyCertificate: "device-decommissioned",
            .readOwnRecord: "device-decommissioned",
            .publishTelemetry: "device-decommissioned", .receiveCommands: "device-decommissioned",
            .viewDevice: "device-decommissioned", .manageDevice: "device-decommissioned",
            .connectMessaging: "device-decommissioned", .publishMessage: "device-decommissioned",
            .subscribeMessages: "device-decommissioned",
            .administerHousehold: "device-decommissioned", .useHousehold: "device-decommissioned",
            .operateHub: "device-decommissioned",
        ],
    ]

    @Test(arguments: DeviceState.allCases, PolicyAction.allCases)
    func everyDeviceStateAndAction(state: DeviceState, action: PolicyAction) throws {
        let expected = try #require(Self.deviceTable[state]?[action], "the table lacks \(state) × \(action)")
        let decision = PolicyEngine.decide(
            .device(Self.device(state), presenting: Self.certificate()), action, Self.ownResource(action),
            PolicyContext(now: Self.inWindow))
        #expect(decision.code == expected, "\(state) × \(action): \(decision.reason)")
        #expect(decision.allowed == (expected == "allowed"))
        #expect(!decision.reason.isEmpty)
    }

    @Test(arguments: PolicyAction.allCases)
    func aRevokedOrExpiredCertificateDeniesEverything(action: PolicyAction) {
        let revoked = Self.certificate(revoked: true)
        let decision = PolicyEngine.decide(
            .device(Self.device(.active), presenting: revoked), action,
            action == .renewCertificate ? .certificate(revoked) : .ownDevice, PolicyContext(now: Self.inWindow))
        #expect(decision.code == "certificate-revoked")
        let expired = PolicyEngine.decide(
            .device(Self.device(.active), presenting: Self.certificate()), action, Self.ownResource(action),
            PolicyContext(now: Self.issued.addingTimeInterval(25 * 3600)))
        #expect(expired.code == "certificate-expired")
        let notYet = PolicyEngine.decide(
            .device(Self.device(.active), presenting: Self.certificate()), action, Self.ownResource(action),
            PolicyContext(now: Self.issued.addingTimeInterval(-1)))
        #expect(notYet.code == "certificate-expired")
    }

    @Test func renewalWindowRotationAndRenewOnce() {
        func renew(_ certificate: CertificateFacts, presented: CertificateFacts? = nil, at now: Date) -> String {
            PolicyEngine.decide(
                .device(Self.device(.active), presenting: presented ?? certificate), .renewCertificate,
                .certificate(certificate), PolicyContext(now: now)
            ).code
        }
        #expect(renew(Self.certificate(), at: Self.early) == "renewal-too-early")
        // The window opens at exactly two thirds of the lifetime (16 h of 24 h).
        #expect(renew(Self.certificate(), at: Self.issued.addingTimeInterval(16 * 3600 - 1)) == "renewal-too-early")
        #expect(renew(Self.certificate(), at: Self.issued.addingTimeInterval(16 * 3600)) == "allowed")
        #expect(renew(Self.certificate(rotationDue: true), at: Self.early) == "allowed")
        #expect(renew(Self.certificate(renewed: true), at: Self.inWindow) == "already-renewed")
        #expect(renew(Self.certificate(rotationDue: true, renewed: true), at: Self.early) == "already-renewed")
        #expect(renew(Self.certificate(serial: "02bb"), presented: Self.certificate(), at: Self.inWindow) == "not-permitted")
        // A device waiting to be claimed may still rotate its pairing key, and nothing else.
        let rotation = Self.certificate(rotationDue: true)
        let pending = PolicyEngine.decide(
            .device(Self.device(.pending), presenting: rotation), .renewCertificate, .certificate(rotation),
            PolicyContext(now: Self.early))
        #expect(pending.allowed)
    }

    /// A rekey for a suspected leak: before the window, from a certificate at least an hour old
    /// (by its issue time, not its back-dated notBefore), once per certificate.
    @Test func aRekeyBeforeTheWindowOnceAnHour() {
        func rekey(_ certificate: CertificateFacts, at now: Date, state: DeviceState = .active) -> String {
            PolicyEngine.decide(
                .device(Self.device(state), presenting: certificate), .rekeyCertificate, .certificate(certificate),
                PolicyContext(now: now)
            ).code
        }
        let issuedLate = CertificateFacts(
            serial: "01aa", notBefore: Self.issued, notAfter: Self.issued.addingTimeInterval(24 * 3600), revoked: false,
            rotationDue: false, renewed: false, issuedAt: Self.issued.addingTimeInterval(300))
        #expect(rekey(Self.certificate(), at: Self.issued.addingTimeInterval(3599)) == "rekey-too-soon")
        #expect(rekey(Self.certificate(), at: Self.early) == "allowed")
        #expect(rekey(issuedLate, at: Self.early) == "rekey-too-soon")
        #expect(rekey(issuedLate, at: Self.early.addingTimeInterval(300)) == "allowed")
        #expect(rekey(Self.certificate(renewed: true), at: Self.early) == "already-renewed")
        #expect(rekey(Self.certificate(), at: Self.inWindow) == "allowed")
        #expect(rekey(Self.certificate(), at: Self.early, state: .quarantined) == "device-quarantined")
    }

    /// Out of posture, a device keeps its record and the broker, for reporting its firmware and
    /// availability and waiting for its update; isolated, only its record. Neither renews unless
    /// the renewal brings an update (the caller evaluates the posture with the firmware it reports).
    @Test(arguments: Posture.allCases, PolicyAction.allCases)
    func postureRestrictsEverythingButReportingAndUpdating(posture: Posture, action: PolicyAction) {
        let device = DeviceFacts(
            id: Self.deviceID, household: Self.household, zone: .lighting, state: .active, posture: posture,
            postureReason: posture.isRestricted ? "its security version 1 is below 2, the minimum for the household" : nil)
        let decision = PolicyEngine.decide(
            .device(device, presenting: Self.certificate()), action, Self.ownResource(action), PolicyContext(now: Self.inWindow))
        let deviceActions: Set<PolicyAction> = [
            .publishTelemetry, .receiveCommands, .publishMessage, .subscribeMessages, .renewCertificate, .rekeyCertificate,
            .readOwnRecord, .connectMessaging,
        ]
        let kept: Set<PolicyAction> = switch posture {
        case .unreported, .compliant: deviceActions
        case .outOfPosture: [.readOwnRecord, .connectMessaging]
        case .isolated: [.readOwnRecord]
        }
        #expect(decision.allowed == kept.contains(action), "\(decision.reason)")
        if deviceActions.contains(action), !kept.contains(action) {
            #expect(decision.code == "out-of-posture" && decision.reason.contains("below 2"), "\(decision.reason)")
        }
    }

    @Test func aDeviceOutOfPostureReportsAndWaitsForItsUpdateOnly() {
        func decide(_ posture: Posture, _ action: PolicyAction, _ resource: PolicyResource) -> Bool {
            PolicyEngine.decide(
                .device(Self.device(.active, posture: posture), presenting: Self.certificate()), action, resource,
                PolicyContext(now: Self.inWindow)
            ).allowed
        }
        let own = "devices/\(Self.deviceID)/"
        for (topic, allowed) in [("availability", true), ("firmware", true), ("state", false), ("telemetry/power", false)] {
            #expect(decide(.outOfPosture, .publishMessage, .topic(MessagingTopic(own + topic), commanding: nil)) == allowed, "\(topic)")
            #expect(!decide(.isolated, .publishMessage, .topic(MessagingTopic(own + topic), commanding: nil)), "\(topic)")
        }
        for (filter, allowed) in [("cmd/update", true), ("cmd/#", false), ("cmd/open", false)] {
            #expect(decide(.outOfPosture, .subscribeMessages, .topicFilter(MessagingTopic(own + filter))) == allowed, "\(filter)")
            #expect(!decide(.isolated, .subscribeMessages, .topicFilter(MessagingTopic(own + filter))), "\(filter)")
        }
        #expect(!decide(.outOfPosture, .publishMessage, .topic(MessagingTopic("devices/\(DeviceID())/firmware"), commanding: nil)))
    }

    static func membership(_ role: Role, access: DeviceAccess = .everything, household: HouseholdID = household) -> Membership {
        Membership(personID: PersonID(), householdID: household, role: role, access: access, createdAt: inWindow)
    }

    @Test(arguments: Role.allCases, PolicyAction.allCases)
    func people(role: Role, action: PolicyAction) throws {
        // A guest of the device's zone, for a period around now.
        let access = role == .guest
            ? DeviceAccess(zones: [.lighting], devices: [], startsAt: Self.inWindow.addingTimeInterval(-60),
                           endsAt: Self.inWindow.addingTimeInterval(3600), hours: nil)
            : .everything
        let person = Self.membership(role, access: access)
        let device = Self.device(.active)
        let own = PolicyEngine.decide(.person(person), action, .device(device), PolicyContext(now: Self.inWindow))
        switch action {
        case .viewDevice: #expect(own.allowed)
        case .manageDevice: #expect(own.allowed == (role == .owner) && (role == .owner || own.code == "owner-only"))
        case .connectMessaging, .publishMessage, .subscribeMessages: #expect(own.code == "token-required")
        case .administerHousehold, .useHousehold: #expect(own.code == "not-permitted")
        case .operateHub: #expect(own.code == "operator-session-required")
        default: #expect(own.code == "device-only")
        }
        let household = PolicyEngine.decide(.person(person), action, .household(Self.household), PolicyContext(now: Self.inWindow))
        switch action {
        case .useHousehold: #expect(household.allowed)
        case .administerHousehold: #expect(household.allowed == (role == .owner) && (role == .owner || household.code == "owner-only"))
        default: #expect(!household.allowed)
        }
        let other = PolicyEngine.decide(
            .person(Self.membership(role, access: access, household: HouseholdID())), action, .device(device),
            PolicyContext(now: Self.inWindow))
        let otherHousehold = PolicyEngine.decide(
            .person(person), action, .household(HouseholdID()), PolicyContext(now: Self.inWindow))
        // Operating the hub is refused before any household is looked at.
        let expected = action == .operateHub ? "operator-session-required" : "other-household"
        #expect(other.code == expected && otherHousehold.code == expected)
        let operatorDecision = PolicyEngine.decide(.hubOperator(PersonID()), action, .household(Self.household), PolicyContext(now: Self.inWindow))
        #expect(!operatorDecision.allowed)
    }

    @Test func aGuestActsOnlyOnGrantedDevicesWithinTheWindow() throws {
        let hours = try WeeklyHours(days: "mon-fri", hours: "09:00-12:00", timeZone: "UTC")
        let granted = Self.device(.active)
        let access = DeviceAccess(
            zones: nil, devices: [granted.id], startsAt: nil, endsAt: Self.inWindow.addingTimeInterval(30 * 86_400), hours: hours)
        let guest = Self.membership(.guest, access: access)
        // 2026-12-07 is a Monday.
        let mondayMorning = RFC3339.parse("2026-12-07T10:00:00Z")!
        let mondayNoon = RFC3339.parse("2026-12-07T12:00:00Z")!
        let saturday = RFC3339.parse("2026-12-12T10:00:00Z")!
        #expect(PolicyEngine.decide(.person(guest), .viewDevice, .device(granted), PolicyContext(now: mondayMorning)).allowed)
        for closed in [mondayNoon, saturday, Self.inWindow.addingTimeInterval(31 * 86_400)] {
            let decision = PolicyEngine.decide(.person(guest), .viewDevice, .device(granted), PolicyContext(now: closed))
            #expect(decision.code == "outside-access-window")
        }
        let other = DeviceFacts(id: DeviceID(), household: Self.household, zone: .security, state: .active)
        #expect(PolicyEngine.decide(.person(guest), .viewDevice, .device(other), PolicyContext(now: mondayMorning)).code
            == "device-not-granted")
        #expect(access.closing(after: mondayMorning) == mondayNoon)
        #expect(access.closing(after: saturday) == access.endsAt)
    }

    @Test func aHubOperatorOperatesTheHubAndNothingElse() {
        #expect(PolicyEngine.decide(.hubOperator(PersonID()), .operateHub, .hub, PolicyContext(now: Self.inWindow)).allowed)
        for action in PolicyAction.allCases where action != .operateHub {
            #expect(!PolicyEngine.decide(.hubOperator(PersonID()), action, .device(Self.device(.active)), PolicyContext(now: Self.inWindow)).allowed)
        }
        #expect(PolicyEngine.decide(.person(Self.membership(.owner)), .operateHub, .hub, PolicyContext(now: Self.inWindow)).code
            == "operator-session-required")
    }

    @Test func aMemberLimitedToZonesMayGrantOnlyThoseZonesScopes() throws {
        let lighting = DeviceAccess(zones: [.lighting], devices: [], startsAt: nil, endsAt: nil, hours: nil)
        #expect(lighting.mayReach(zoneNamed: "lighting") && !lighting.mayReach(zoneNamed: "security"))
        #expect(DeviceAccess.everything.mayReach(zoneNamed: "security"))
        let oneDevice = DeviceAccess(zones: nil, devices: [DeviceID()], startsAt: nil, endsAt: Self.inWindow, hours: nil)
        #expect(oneDevice.mayReach(zoneNamed: "security"), "the device's own zone is checked when it is used")
        #expect(!oneDevice.reachesEveryDevice && !oneDevice.reaches(DeviceID(), zone: .security))
    }
}
