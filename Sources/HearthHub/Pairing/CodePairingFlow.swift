import Foundation
import HearthAudit
import HearthCore
import HearthPairing
import HearthPKI
import HearthStore

/// Code mode (RFC 8628's shape): the device starts a request and polls; an owner approves it by
/// its code and the verification value the device shows.
extension PairingService {
    public struct Started: Sendable {
        public let requestID: String
        public let pollToken: String
        public let userCode: UserCode
        public let hubNonce: [UInt8]
        public let interval: Int
        public let expiresIn: Int
    }

    /// A device asks to pair: accepted only while some household's window is open, from an
    /// address with fewer than 3 pending requests, reporting this hub's own TLS key. The request
    /// belongs to the household whose window admitted it (when several are open, to whichever of
    /// them approves it).
    public func start(csr: CertificateRequest, commitment: [UInt8], hubKey: [UInt8], source: String) async throws -> Started {
        let actor = AuditActor.anonymous(address: source)
        let keys = [Self.sourceKey(source)]
        try await checkThrottle(keys)
        let now = store.clock.now
        let (open, pending) = try await store.read { db in
            (try await db.pairing.openWindows(at: now), try await db.pairing.pendingCount(source: source, at: now))
        }
        guard !open.isEmpty else {
            throw try await refuse(
                HearthError(.forbidden, code: "pairing-closed", "pairing is closed; ask the owner to open it (hearth pair open)"),
                keys: keys, actor: actor, subject: "pairing:code", household: nil)
        }
        guard pending < Self.maximumPendingPerSource else {
            // Retry-After: when the first of them expires and frees a place.
            let frees = try await store.read { db in try await db.pairing.firstPendingExpiry(source: source, at: now) }
            let wait = max(1, Int((frees ?? now.addingTimeInterval(Self.requestLifetime)).timeIntervalSince(now).rounded(.up)))
            throw HearthError(.throttled, code: "too-many-requests",
                "this address has \(pending) pairing requests waiting; finish or let them expire first (a place frees in \(wait) s)",
                retryAfter: wait)
        }
        guard hubKey.count == 32, commitment.count == 32 else {
            throw HearthError(.invalidInput, "hub_key and commitment are 32 bytes each, base64url")
        }
        guard isServedKey(hubKey) else {
            throw try await refuse(
                HearthError(.conflict, code: "hub-key-mismatch", "the TLS key you saw is not this hub's; something is between you and the hub"),
                keys: keys, actor: actor, subject: "pairing:code", household: nil)
        }
        for _ in 0..<3 {
            let userCode = UserCode.generate()
            let token = SecretToken(prefix: "hpt_")
            var record = PairingRequestRecord(
                id: Base64URL.encode(SecureRandom.bytes(16)), userCodeDigest: SecretToken.digest(of: userCode.canonical),
                pollTokenDigest: token.digest, csrDER: csr.der, commitment: commitment, hubNonce: PairingNonce.make(),
                hubKey: hubKey, source: source, createdAt: now, expiresAt: now.addingTimeInterval(Self.requestLifetime))
            record.householdID = open.count == 1 ? open[0].rawValue : nil
            let household = open.count == 1 ? open[0] : nil
            let request = record
            do {
                try await store.write { db in
                    try await db.pairing.insert(request)
                    try await db.audit.append(AuditEvent(
                        .pairingRequested, actor: actor, subject: "pairing:\(request.id)", household: household,
                        reason: "a device asked to pair by code",
                        details: ["key_fingerprint": csr.keyFingerprint]))
                }
            } catch let error as HearthError where error.code == .conflict {
                continue  // a live request already has this user code: draw another
            }
            return Started(
                requestID: record.id, pollToken: token.value, userCode: userCode, hubNonce: record.hubNonce,
                interval: Self.pollInterval, expiresIn: Int(Self.requestLifetime))
        }
        throw HearthError(.storageUnavailable, "could not draw a free pairing code; try again")
    }

    /// The device polls with its token; the first poll reveals the nonce it committed to.
    public func poll(
        requestID: String, pollToken: String, deviceNonce: [UInt8], source: String
    ) async throws -> (PairedDevice, hubProof: [UInt8]) {
        let actor = AuditActor.anonymous(address: source)
        let keys = [Self.sourceKey(source)]
        try await checkThrottle(keys)
        let tokenDigest = Array(SecretToken.digest(of: pollToken).utf8)
        let authorities = pki.authorities
        let pki = self.pki
        // Loaded, decided and saved in one transaction: two polls cannot both see the old state.
        let (request, outcome, issued) = try await store.write { db -> (PairingRequestRecord?, CodePairingRequest.Outcome?, IssuedCertificate?) in
            guard let request = try await db.pairing.request(id: requestID),
                  constantTimeEquals(tokenDigest, Array(request.pollTokenDigest.utf8))
            else { return (nil, nil, nil) }
            let now = db.clock.now
            var poll = CodePairingRequest(request)
            let outcome = poll.poll(deviceNonce: deviceNonce, at: now, interval: Self.pollInterval)
            switch outcome {
            case .pending, .slowDown:
                try await db.pairing.recordPoll(id: request.id, deviceNonce: deviceNonce, at: now)
            case .expired, .commitmentBroken, .denied:
                _ = try await db.pairing.deleteRequest(id: request.id)
            case .nonceChanged:
                break
            case .collect:
                guard try await db.pairing.deleteRequest(id: request.id), let serial = request.certificateSerial,
                      let record = try await db.pki.certificate(serial: serial)
                else { return (request, outcome, nil) }
                try await db.audit.append(AuditEvent(
                    .pairingCompleted, actor: AuditActor(.device, record.deviceID ?? "unknown"),
                    subject: "pairing:\(request.id)", household: request.householdID.flatMap(HouseholdID.init),
                    reason: "the device collected its certificate", details: ["serial": serial]))
                return (request, outcome, try pki.issuedCertificate(record))
            }
            return (request, outcome, nil)
        }
        guard let request, let outcome else {
            throw try await refuse(
                HearthError(.unauthenticated, code: "invalid-token", "unknown pairing request or token; start again"),
                keys: keys, actor: actor, subject: "pairing:code", household: nil)
        }
        switch outcome {
        case .expired:
            throw HearthError(.rejected, code: "expired-token", "the pairing request expired; start again")
        case .nonceChanged:
            throw try await refuse(
                HearthError(.unauthenticated, code: "invalid-token", "the device nonce changed between polls"),
                keys: keys, actor: actor, subject: "pairing:\(request.id)", household: nil)
        case .commitmentBroken:
            throw try await refuse(
                HearthError(.forbidden, code: "access-denied", "the nonce does not match the commitment; the request is cancelled"),
                keys: keys, actor: actor, subject: "pairing:\(request.id)", household: nil)
        case .slowDown:
            throw HearthError(.rejected, code: "slow-down", "poll every \(Self.pollInterval) seconds at most")
        case .pending:
            throw HearthError(.rejected, code: "authorization-pending", "waiting for the owner to approve")
        case .denied:
            throw HearthError(.forbidden, code: "access-denied", "the owner did not approve this device")
        case .collect(let proof):
            guard let issued else {
                throw HearthError(.unauthenticated, code: "invalid-token", "this pairing was collected already")
            }
            return (PairedDevice(issued: issued, rootPEM: authorities.rootPEM, rootDER: authorities.root.record.certificateDER), proof)
        }
    }

    /// An owner approves the request showing `userCode` with the value the device shows
    /// (`V-S`): `V` must match what the hub computes; `S` keys the proof the device will check.
    /// The device gets its certificate in `zone` at its next poll.
    public func approve(
        userCode: UserCode, verify: String, household: HouseholdID, zone: Zone, name: String, actor: AuditActor
    ) async throws -> IssuedCertificate {
        let typed = try CodePairing.parseDisplayed(verify)
        let keys = [Self.householdKey(household)]
        try await throttle.enforce(keys, "failed approvals")
        let (request, deviceNonce) = try await confirmedRequest(
            userCodeDigest: SecretToken.digest(of: userCode.canonical), household: household, keys: keys, actor: actor)
        let material = PairingMaterial(csrHash: PairingMaterial.hash(request.csrDER), hubKeyHash: request.hubKey)
        let expected = CodePairing.verificationValue(material: material, deviceNonce: deviceNonce, hubNonce: request.hubNonce)
        guard constantTimeEquals(Array(expected.utf8), Array(typed.verification.utf8)) else {
            let denied = try await store.write { db -> Bool in
                let failures = try await db.pairing.addFailedVerification(id: request.id)
                guard failures >= Self.maximumVerificationFailures else { return false }
                return try await db.pairing.decide(id: request.id, approved: false, household: household)
            }
            throw try await refuse(
                HearthError(.invalidInput, denied
                    ? "the verification value does not match what the device shows; the request is refused after \(Self.maximumVerificationFailures) tries"
                    : "the verification value does not match what the device shows"),
                keys: keys, actor: actor, subject: "pairing:\(request.id)", household: household)
        }
        let prepared = try Self.prepareFirstCertificate(
            csr: try CertificateRequest(der: request.csrDER), household: household, zone: zone, name: name, pki: pki,
            actor: actor)
        let rootDER = pki.authorities.root.record.certificateDER
        let issued = try await store.write { db -> IssuedCertificate in
            let issued = try await RecordedIssuance.commit([prepared], in: db)[0].get()
            let proof = CodePairing.hubProof(
                confirmation: typed.confirmation, material: material, deviceNonce: deviceNonce, hubNonce: request.hubNonce,
                certificateDER: issued.record.certificateDER, rootDER: rootDER)
            guard try await db.pairing.decide(
                id: request.id, approved: true, household: household, deviceID: issued.record.deviceID,
                serial: issued.record.serial, hubProof: proof)
            else { throw HearthError(.conflict, "the request was decided a moment ago") }
            try await db.audit.append(AuditEvent(
                .pairingApproved, actor: actor, subject: "pairing:\(request.id)", household: household,
                reason: "approved with the device's verification value",
                details: ["device": issued.record.deviceID ?? "", "zone": zone.name, "serial": issued.record.serial]))
            try await throttle.clear(Self.householdKey(household), in: db)
            return issued
        }
        return issued
    }

    /// How long an approval waits for the device to confirm its request: the device reveals its
    /// nonce at its first poll, a few seconds after it shows the code, and an owner who types the
    /// code faster than that should get an answer, not an error they cannot act on.
    public static let confirmationWait: Duration = .seconds(15)
    static let confirmationRecheck: Duration = .milliseconds(250)

    /// The pending request showing the code, once its device has confirmed it: re-read (every
    /// quarter second, up to ``confirmationWait``) while it has not. Re-reading the database, not
    /// waiting for an in-process signal, because the poll may reach another hub node, or the hub
    /// while the approval comes from the CLI.
    private func confirmedRequest(
        userCodeDigest: String, household: HouseholdID, keys: [String], actor: AuditActor
    ) async throws -> (PairingRequestRecord, deviceNonce: [UInt8]) {
        let rechecks = Int(Self.confirmationWait / Self.confirmationRecheck)
        for recheck in 0...rechecks {
            let now = store.clock.now
            let (found, closes) = try await store.read { db in
                (try await db.pairing.request(userCodeDigest: userCodeDigest),
                 try await db.pairing.windowCloses(household: household, at: now))
            }
            guard closes != nil else {
                throw HearthError(.conflict, "pairing is closed for this household; open it first (hearth pair open)")
            }
            guard let request = found, request.status == .pending, now < request.expiresAt,
                  request.householdID == nil || request.householdID == household.rawValue
            else {
                throw try await refuse(
                    HearthError(.notFound, "no pending pairing request has that code"), keys: keys, actor: actor,
                    subject: "pairing:code", household: household)
            }
            if let deviceNonce = request.deviceNonce { return (request, deviceNonce) }
            if recheck < rechecks { try await Task.sleep(for: Self.confirmationRecheck) }
        }
        throw HearthError(
            .conflict,
            "the device has not confirmed its request within \(Self.confirmationWait.components.seconds) s; check that it is still pairing and approve again")
    }

    /// An owner refuses the request showing `userCode`; the device learns it at its next poll.
    public func deny(userCode: UserCode, household: HouseholdID, actor: AuditActor) async throws {
        let now = store.clock.now
        try await store.write { db in
            guard let request = try await db.pairing.request(userCodeDigest: SecretToken.digest(of: userCode.canonical)),
                  now < request.expiresAt,
                  try await db.pairing.decide(id: request.id, approved: false, household: household)
            else { throw HearthError(.notFound, "no pending pairing request has that code") }
            try await db.audit.append(AuditEvent(
                .pairingDenied, actor: actor, subject: "pairing:\(request.id)", household: household, reason: "denied by an owner"))
        }
    }

    /// Requests waiting for a decision.
    public func pendingRequests() async throws -> [PairingRequestRecord] {
        try await store.read { db in try await db.pairing.pendingRequests(at: db.clock.now) }
    }
}

extension CodePairingRequest {
    init(_ record: PairingRequestRecord) {
        let status: Status = switch record.status {
        case .pending: .pending
        case .approved: .approved
        case .denied: .denied
        }
        self.init(
            status: status, expiresAt: record.expiresAt, commitment: record.commitment, deviceNonce: record.deviceNonce,
            lastPollAt: record.lastPollAt, hubProof: record.hubProof)
    }
}
