import Foundation
import HearthCore

/// The detectors behind one state machine: signals in, responses (findings and the containment
/// they call for) out. No I/O and no clock of its own — every event carries its time — so it is
/// tested in memory, and the hub's detection service only carries out what it returns.
public struct DetectionEngine: Sendable {
    public var settings: DetectionSettings
    private var bruteForce = BruteForceDetector()
    private var storms = MessageStormDetector()
    private var declaredRates = DeclaredRateDetector()
    private var scans = TopicScanDetector()
    private var rebinding = RebindingDetector()
    private var tokens = TokenStormDetector()
    private var addresses = DeviceAddressDetector()
    /// Certificates already reported as not renewed.
    private var stuck: [String: Date] = [:]
    /// Credentials already found in two places: their sessions are being ended, and the
    /// reconnects that follow are not new findings.
    private var duplicated: [Credential: Date] = [:]

    public init(settings: DetectionSettings = DetectionSettings()) {
        self.settings = settings
    }

    public mutating func receive(_ signal: Signal) -> [Response] {
        switch signal {
        case .authenticationFailed(let kind, let source, let target, let at):
            return bruteForce.failed(kind, source: source, target: target, at: at, settings)
        case .traffic(let sample):
            return storms.observe(sample, settings)
        case .flowTraffic(let sample):
            return declaredRates.observe(sample, settings)
        case .denials(let suspect, let household, let zone, let count, let sample, let at):
            return scans.denied(suspect, household: household, count: count, sample: sample, zone: zone, at: at, settings)
        case .certificateAging(let device, let household, let serial, let notAfter, let used, let at):
            return stuckDevice(device, household: household, serial: serial, notAfter: notAfter, used: used, at: at)
        case .tokenIssued(let client, let household, let at):
            return tokens.issued(client: client, household: household, at: at, settings.tokenStorm)
        case .unknownHost(let host, let source, let at):
            return rebinding.refused(host, source: source, at: at)
        case .credentialInTwoPlaces(let suspect, let household, let credential, let addresses, let zone, let at):
            return duplicatedCredential(suspect, household: household, credential, addresses: addresses, zone: zone, at: at)
        case .commandHeld(let command):
            return [Self.unusualCommand(command)]
        case .handshakeRefused(.clientCertificate, let source, let at):
            return bruteForce.failed(.clientCertificate, source: source, target: nil, at: at, settings)
        case .handshakeRefused(.tlsError, _, _):
            // A scanner or an old client: counted (metrics), not a guess at a credential.
            return []
        case .deviceConnected(let device, let address, _):
            addresses.connected(device, from: address)
            return []
        case .renewed(let device, let household, let source, let at):
            return addresses.renewed(device, household: household, from: source, at: at)
        case .firmwareDowngraded(let change):
            return [Self.firmwareDowngrade(change)]
        case .firmwareImageMismatch(let mismatch):
            return [Self.firmwareImageMismatch(mismatch)]
        }
    }

    /// Forgets what slid out of every detector's window. Called each round.
    public mutating func prune(at now: Date) {
        bruteForce.prune(at: now, settings)
        storms.prune(at: now)
        declaredRates.prune(at: now)
        scans.prune(at: now, settings)
        rebinding.prune(at: now)
        tokens.prune(at: now)
        stuck = stuck.filter { $0.value > now }
        duplicated = duplicated.filter { now.timeIntervalSince($0.value) < 60 }
    }

    /// Forgets what the detectors hold about `suspect` (an owner acknowledged its alert): a storm
    /// still going is found again as a new one, a source counts its failures from zero.
    public mutating func forget(_ suspect: Suspect) {
        switch suspect.kind {
        case .device:
            if let device = DeviceID(suspect.id) {
                storms.forget(device)
                declaredRates.forget(device)
            }
        case .source: bruteForce.forget(source: suspect.id)
        default: break
        }
    }

    /// Every baseline learned so far (those of devices and clients still remembered).
    public func learnedBaselines() -> LearnedBaselines {
        LearnedBaselines(devices: storms.baselines(), clients: tokens.baselines())
    }

    /// Starts from `baselines` (at `now`) for every device and client the engine has not heard
    /// of yet: what it learned itself since starting wins.
    public mutating func restore(_ baselines: LearnedBaselines, at now: Date) {
        for (device, rate) in baselines.devices { storms.restore(device, baseline: rate, at: now) }
        for (client, rate) in baselines.clients { tokens.restore(client, baseline: rate, at: now) }
    }

    /// A device's learned message rate (messages per second), nil before its first sample.
    public func baseline(of device: DeviceID) -> Double? { storms.baseline(of: device) }

    /// Once per certificate, when the device has let it run past `stuckAfter` of its lifetime.
    private mutating func stuckDevice(
        _ device: DeviceID, household: HouseholdID, serial: String, notAfter: Date, used: Double, at now: Date
    ) -> [Response] {
        guard used >= settings.stuckAfter, stuck[serial] == nil else { return [] }
        stuck[serial] = notAfter
        let left = max(0, notAfter.timeIntervalSince(now))
        return [Response(finding: Finding(
            kind: .stuckDevice, suspect: .device(device), household: household, severity: .warning,
            summary: "device \(device) has not renewed certificate \(serial), which expires in \(Self.duration(left)) (\(Int((used * 100).rounded())) % of its lifetime used); it will be cut off then",
            evidence: [
                Evidence("certificate", serial), Evidence("expires", RFC3339.format(notAfter)),
                Evidence("lifetime-used", String(format: "%.2f", used)),
            ],
            at: now), actions: [])]
    }

    /// Every downgrade is reported: the policy has restricted the device already if the release it
    /// runs now is below a rule's minimum; the alert tells the owner it happened.
    private static func firmwareDowngrade(_ change: FirmwareChange) -> Response {
        Response(finding: Finding(
            kind: .firmwareDowngrade, suspect: .device(change.device), household: change.household, severity: .warning,
            summary: "device \(change.device) (\(change.model)) went back from \(change.from.version) (security version \(change.from.securityVersion)) to \(change.to.version) (security version \(change.to.securityVersion))",
            evidence: [
                Evidence("model", change.model), Evidence("from", "\(change.from.version) (\(change.from.securityVersion))"),
                Evidence("to", "\(change.to.version) (\(change.to.securityVersion))"), Evidence("reported-at", change.source),
            ],
            at: change.at), actions: [])
    }

    /// Critical: unlike a downgrade, no owner's action explains it.
    private static func firmwareImageMismatch(_ mismatch: FirmwareImageMismatch) -> Response {
        Response(finding: Finding(
            kind: .firmwareImageMismatch, suspect: .device(mismatch.device), household: mismatch.household, severity: .critical,
            summary: "device \(mismatch.device) (\(mismatch.model)) reports release \(mismatch.version) with an image that is not the release's",
            evidence: [
                Evidence("model", mismatch.model), Evidence("version", mismatch.version), Evidence("reported-sha256", mismatch.reported),
                Evidence("release-sha256", mismatch.released), Evidence("reported-at", mismatch.source),
            ],
            at: mismatch.at), actions: [])
    }

    /// Every held command is its own alert: each waits for its own approval.
    private static func unusualCommand(_ command: HeldCommand) -> Response {
        let suspect = Suspect(command.commander) ?? Suspect(.app, command.commander)
        return Response(finding: Finding(
            kind: .unusualCommand, suspect: suspect, household: command.household, severity: .warning,
            summary: "a command from \(command.commander) to \(command.zone) device \(command.device) was held: \(command.reason)",
            evidence: [
                Evidence("command", command.id), Evidence("device", command.device.rawValue), Evidence("topic", command.topic),
                Evidence("reason", command.reason), Evidence("expires", RFC3339.format(command.expiresAt)),
            ],
            at: command.heldAt), actions: [.holdCommand(command)])
    }

    private static func duration(_ seconds: TimeInterval) -> String {
        seconds >= 7200 ? "\(Int(seconds / 3600)) h" : seconds >= 120 ? "\(Int(seconds / 60)) min" : "\(Int(seconds)) s"
    }

    private mutating func duplicatedCredential(
        _ suspect: Suspect, household: HouseholdID, _ credential: Credential, addresses: [String], zone: String?, at now: Date
    ) -> [Response] {
        guard duplicated[credential] == nil else { return [] }
        duplicated[credential] = now
        var actions: [ContainmentAction] = []
        let named: String
        switch credential {
        case .certificate(let serial):
            named = "certificate \(serial)"
            if settings.containment.revokeDuplicatedCredentials, suspect.kind == .device, let device = DeviceID(suspect.id) {
                actions = [.revokeCertificate(serial: serial, device: device, household: household), .disconnect(credential, household: household)]
            }
        case .token(let id):
            named = "token \(id)"
            if settings.containment.revokeDuplicatedCredentials {
                actions = [.revokeToken(id: id, household: household), .disconnect(credential, household: household)]
            }
        }
        let finding = Finding(
            kind: .credentialInTwoPlaces, suspect: suspect, household: household, severity: .critical,
            summary: "\(named) of \(suspect) was live from two addresses at once (\(addresses.joined(separator: ", ")))",
            evidence: [Evidence("credential", named), Evidence("addresses", addresses.joined(separator: " "))]
                + (zone.map { [Evidence("zone", $0)] } ?? []),
            at: now)
        return [Response(finding: finding, actions: actions)]
    }
}
