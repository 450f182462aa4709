import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// This hub as a witness of other logs (C2SP tlog-witness): a neighbour's hub, or a second box
/// of the same owner, submits each new audit checkpoint with a consistency proof; the witness
/// cosigns it only if it extends the last one it cosigned for that log, and remembers it. A thief
/// holding that hub's database and KEK can re-sign a rewritten log with its audit key, but cannot
/// get this witness to cosign it, nor make it forget the newer checkpoint it holds.
///
/// The witness key is an Ed25519 key of its own (cosignature type 0x04), named
/// `<trust domain>/witness`, made the first time the hub is asked to witness a log and sealed
/// under the KEK in `hub_keys` like the hub's TLS key (so KEK rotation re-seals it).
public struct AuditWitness: Sendable {
    package let store: Store
    let sealer: KeySealer?

    /// `sealer`: needed to make the key and to cosign; reading the key or the logs needs none.
    package init(store: Store, sealer: KeySealer?) {
        self.store = store
        self.sealer = sealer
    }

    /// The row in `hub_keys`; its certificate column holds the verifier key, as there is no certificate.
    static let keyName = "witness"

    static func name(trustDomain: String) -> String { "\(trustDomain)/witness" }

    /// The witness's verifier key (type 0x04), made now if the hub has none yet.
    public func verifierKey() async throws -> NoteVerifierKey {
        try await storedKey().verifier
    }

    /// The logs this hub witnesses, and the latest checkpoint cosigned for each.
    public func logs() async throws -> [WitnessRecords.WitnessedLogRow] {
        try await store.read { db in try await db.witness.witnessedLogs() }
    }

    /// Starts witnessing the log signed by `logKey` (its name is the log's origin).
    @discardableResult
    public func trust(logKey: NoteVerifierKey, actor: AuditActor) async throws -> NoteVerifierKey {
        guard logKey.type == .ed25519 else {
            throw HearthError(.invalidInput, "\(logKey.name) is a witness key; give the log's audit key (`hearth audit key` on that hub)")
        }
        let witness = try await verifierKey()
        try await store.write { db in
            guard try await db.witness.witnessedLog(origin: logKey.name) == nil else {
                throw HearthError(.conflict, code: "witnessed-log-exists", "this hub already witnesses the log \(logKey.name)")
            }
            let now = db.clock.now
            try await db.witness.insert(.init(origin: logKey.name, verifierKey: logKey.description, addedAt: now, updatedAt: now))
            try await db.audit.append(AuditEvent(
                .witnessedLogAdded, actor: actor, subject: "log:\(logKey.name)", household: nil,
                reason: "this hub now witnesses the log", details: ["key": logKey.description]))
        }
        return witness
    }

    /// Stops witnessing a log; what was cosigned for it is forgotten.
    public func untrust(origin: String, actor: AuditActor) async throws {
        try await store.write { db in
            guard try await db.witness.deleteWitnessedLog(origin: origin) else {
                throw HearthError(.notFound, "this hub does not witness a log named \(origin)")
            }
            try await db.audit.append(AuditEvent(
                .witnessedLogRemoved, actor: actor, subject: "log:\(origin)", household: nil, reason: "no longer witnessed"))
        }
    }

    /// What the witness answers an `add-checkpoint` call: its cosignature line, or a refusal
    /// carrying the protocol's status.
    public enum Answer: Sendable, Equatable {
        case cosigned(String)
        case refused(WitnessVerdict)
    }

    /// Judges a submission and, if it is consistent, records it before cosigning: the check and
    /// the record are one compare-and-set on the stored size, so two racing submissions cannot
    /// roll the witness back (the loser is answered 409 with the new size).
    public func addCheckpoint(_ body: [UInt8]) async throws -> Answer {
        let request: AddCheckpointRequest
        do {
            request = try AddCheckpointRequest(parsing: body)
        } catch {
            return .refused(.malformed("\(error)"))
        }
        var log: WitnessedLog?
        if let origin = WitnessRules.origin(of: request.checkpoint),
           let row = try await store.read({ db in try await db.witness.witnessedLog(origin: origin) }) {
            log = WitnessedLog(key: try NoteVerifierKey(parsing: row.verifierKey), size: row.size, rootHash: row.rootHash)
        }
        let verdict = WitnessRules.judge(request, log: log)
        guard case .cosign(let checkpoint) = verdict, let log else { return .refused(verdict) }

        let key = try await signingKey()
        let line = try SignedNote.cosign(
            checkpoint.body, name: key.verifier.name, key: key.privateKey, timestamp: Int64(store.clock.now.timeIntervalSince1970))
        let advanced = try await store.write { db in
            try await db.witness.advanceWitnessedLog(
                origin: log.origin, from: log.size, size: checkpoint.size, rootHash: checkpoint.rootHash,
                note: request.checkpoint + line, at: db.clock.now)
        }
        guard advanced else {
            let now = try await store.read { db in try await db.witness.witnessedLog(origin: log.origin) }
            return .refused(.conflict(latestSize: now?.size ?? 0, "another submission moved the log meanwhile"))
        }
        return .cosigned(line)
    }

    private struct Key {
        let privateKey: HubPrivateKey
        let verifier: NoteVerifierKey
    }

    private func signingKey() async throws -> Key {
        guard let sealer else { throw HearthError(.sealing, "cosigning needs the hub's KEK") }
        let (stored, verifier) = try await storedKey()
        let privateKey = try sealer.openKey(stored.sealedKey, .ed25519, name: Self.keyName)
        guard privateKey.publicKeyBytes == verifier.publicKey else {
            throw HearthError(.conflict, "the sealed witness key does not match its recorded verifier key")
        }
        return Key(privateKey: privateKey, verifier: verifier)
    }

    /// The stored witness key, made (which needs the KEK) if there is none. Read first: a write
    /// transaction is taken only the one time the key is made.
    private func storedKey() async throws -> (HubRecords.SealedKey, verifier: NoteVerifierKey) {
        let (identity, found) = try await store.read { db in (try await db.hub.identity(), try await db.hub.key(named: Self.keyName)) }
        guard let identity else { throw HearthError(.notInitialized, "the database holds no hub; run `hearth init` first") }
        let stored: HubRecords.SealedKey
        if let found { stored = found } else { stored = try await makeKey(trustDomain: identity.trustDomain) }
        let verifier = try NoteVerifierKey(parsing: stored.certificatePEM)
        guard verifier.name == Self.name(trustDomain: identity.trustDomain), verifier.type == .cosignature else {
            throw HearthError(.conflict, "the stored witness key \(verifier.name) is not this hub's")
        }
        return (stored, verifier)
    }

    private func makeKey(trustDomain: String) async throws -> HubRecords.SealedKey {
        guard let sealer else { throw HearthError(.notFound, "this hub has no witness key yet; `hearth witness key` makes it") }
        return try await store.write { db in
            // Another process may have made it since the read.
            if let key = try await db.hub.key(named: Self.keyName) { return key }
            let key = try sealer.makeKey(.ed25519, label: "hearth witness \(trustDomain)")
            let verifier = try NoteVerifierKey(
                name: Self.name(trustDomain: trustDomain), publicKey: key.publicKeyBytes, type: .cosignature)
            let sealed = HubRecords.SealedKey(
                name: Self.keyName, sealedKey: try sealer.store(key, name: Self.keyName),
                certificatePEM: verifier.description, createdAt: db.clock.now)
            try await db.hub.insert(sealed)
            return sealed
        }
    }
}
