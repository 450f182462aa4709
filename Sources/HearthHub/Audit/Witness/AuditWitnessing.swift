import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// How a witness is reached: the server adapter posts over HTTP(S) (``HTTPWitnessTransport``).
public protocol WitnessTransport: Sendable {
    /// Posts `body` to `url`, trusting `caPEM` (when given) for its TLS certificate. Throws when
    /// there was no answer.
    func post(_ url: String, caPEM: String?, body: [UInt8]) async throws -> WitnessReply
}

public struct WitnessReply: Sendable {
    public let status: Int
    public let contentType: String?
    public let body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// A witness as the log sees it: its key, and where its submission prefix is.
public struct WitnessEndpoint: Sendable, Hashable {
    public let key: NoteVerifierKey
    public let url: String
    public let caPEM: String?

    public init(key: NoteVerifierKey, url: String, caPEM: String?) throws {
        guard key.type == .cosignature else {
            throw HearthError(.invalidInput, "\(key.name) is not a witness key (a vkey of type 0x04, `hearth witness key` on the witness)")
        }
        guard let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme ?? ""), parsed.host != nil,
              parsed.query == nil, parsed.fragment == nil
        else { throw HearthError(.invalidInput, "the witness URL must be an http(s) URL without query, such as https://witness.example/witness") }
        self.key = key
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.caPEM = caPEM
    }

    var addCheckpointURL: String { url + "/add-checkpoint" }
}

/// What submitting a checkpoint to a witness came to.
public enum WitnessOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The witness cosigned: the note now carries its cosignature.
    case cosigned(size: Int64, note: String)
    /// The witness holds a newer checkpoint than the log's newest: the log was cut back.
    case rolledBack(witnessSize: Int64, logSize: Int64)
    /// The witness's checkpoint is not a prefix of the log's (422), or has another root at the same size.
    case forked(String)
    /// Any other refusal (the witness does not know the log, a signature it does not trust…).
    case refused(status: Int, String)
    /// No answer (connection refused, timeout, TLS failure).
    case unreachable(String)

    /// How the descriptions of the outcomes that prove tampering begin (they are stored as a
    /// witness's last error, and the checkup reads them back).
    public static let rolledBackPrefix = "rolled back: "
    public static let rewrittenPrefix = "rewritten: "

    public var description: String {
        switch self {
        case .cosigned(let size, _): "cosigned checkpoint \(size)"
        case .rolledBack(let witness, let log):
            Self.rolledBackPrefix + "the witness cosigned checkpoint \(witness), but the log's newest checkpoint is \(log)"
        case .forked(let why): Self.rewrittenPrefix + why
        case .refused(let status, let why): "the witness refused (\(status)): \(why)"
        case .unreachable(let why): "the witness could not be reached: \(why)"
        }
    }

    public var isCosigned: Bool {
        if case .cosigned = self { true } else { false }
    }

    /// Whether the outcome is evidence against the log, rather than a failure to ask.
    public var provesTampering: Bool {
        switch self {
        case .rolledBack, .forked: true
        default: false
        }
    }
}

/// This hub's audit log as witnessed by others (C2SP tlog-witness, docs/audit.md "Witnesses"):
/// the owner names witnesses (another hub, a neighbour's); each new checkpoint is submitted with
/// a consistency proof from the size the witness last cosigned, and the cosigned note is kept.
/// `hearth audit verify --witness KEY` asks the witness to cosign the log's newest checkpoint now,
/// which it does only if the log still extends everything it cosigned before.
public struct AuditWitnessing: Sendable {
    package let store: Store

    package init(store: Store) { self.store = store }

    /// How long after a failed submission a witness is left alone.
    static let retryPause: Duration = .seconds(60)

    public func witnesses() async throws -> [WitnessRecords.LogWitnessRow] {
        try await store.read { db in try await db.witness.logWitnesses() }
    }

    public func add(_ endpoint: WitnessEndpoint, actor: AuditActor) async throws {
        try await store.write { db in
            guard try await db.witness.logWitness(name: endpoint.key.name) == nil else {
                throw HearthError(.conflict, code: "witness-exists", "a witness named \(endpoint.key.name) is already configured")
            }
            let now = db.clock.now
            try await db.witness.insert(.init(
                name: endpoint.key.name, verifierKey: endpoint.key.description, url: endpoint.url, caPEM: endpoint.caPEM,
                addedAt: now, updatedAt: now))
            try await db.audit.append(AuditEvent(
                .auditWitnessAdded, actor: actor, subject: "witness:\(endpoint.key.name)", household: nil,
                reason: "checkpoints will be submitted to this witness", details: ["key": endpoint.key.description, "url": endpoint.url]))
        }
    }

    public func remove(name: String, actor: AuditActor) async throws {
        try await store.write { db in
            guard try await db.witness.deleteLogWitness(name: name) else {
                throw HearthError(.notFound, "no witness named \(name) is configured")
            }
            try await db.audit.append(AuditEvent(
                .auditWitnessRemoved, actor: actor, subject: "witness:\(name)", household: nil, reason: "witness removed"))
        }
    }

    /// Submits the newest checkpoint to every witness that has not cosigned it yet, and records
    /// each outcome. Returns the outcomes by witness name.
    @discardableResult
    public func submitNewest(via transport: any WitnessTransport) async throws -> [String: WitnessOutcome] {
        let (witnesses, newest) = try await store.read { db in (try await db.witness.logWitnesses(), try await db.audit.latestCheckpoint()) }
        guard let newest else { return [:] }
        let now = store.clock.now
        var outcomes: [String: WitnessOutcome] = [:]
        for row in witnesses where row.size != newest.size || row.note == nil {
            // A witness that failed is asked again after a pause, not at every checkpoint round.
            if row.lastError != nil, now.timeIntervalSince(row.updatedAt) < Self.retryPause.seconds { continue }
            let endpoint = try WitnessEndpoint(key: try NoteVerifierKey(parsing: row.verifierKey), url: row.url, caPEM: row.caPEM)
            let outcome = await submit(newest, to: endpoint, believedSize: row.size, via: transport)
            outcomes[row.name] = outcome
            try await store.write { db in
                if case .cosigned(let size, let note) = outcome {
                    try await db.witness.recordCosigned(name: row.name, size: size, note: note, at: db.clock.now)
                } else {
                    try await db.witness.recordFailure(name: row.name, error: outcome.description, at: db.clock.now)
                }
            }
        }
        return outcomes
    }

    /// Has the witness cosign `checkpoint` (a stored one, signed by this log), starting from the
    /// size the log believes the witness holds and following its 409 answers to the size it does.
    public func submit(
        _ checkpoint: AuditRecords.StoredCheckpoint, to witness: WitnessEndpoint, believedSize: Int64,
        via transport: any WitnessTransport
    ) async -> WitnessOutcome {
        var old = believedSize
        for _ in 0..<3 {
            guard old <= checkpoint.size else { return .rolledBack(witnessSize: old, logSize: checkpoint.size) }
            let request: AddCheckpointRequest
            let reply: WitnessReply
            do {
                let from = old
                let proof = from == 0
                    ? [] : try await store.read { db in try await db.audit.consistencyProof(from: from, to: checkpoint.size) }
                request = AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: checkpoint.note)
            } catch {
                return .forked("the log cannot prove checkpoint \(old) consistent with \(checkpoint.size): \(error)")
            }
            do {
                reply = try await transport.post(witness.addCheckpointURL, caPEM: witness.caPEM, body: request.encoded)
            } catch {
                return .unreachable("\(error)")
            }
            switch reply.status {
            case 200:
                // Appended to the note, the lines sign the note's own text (C2SP tlog-witness).
                let note = checkpoint.note + String(decoding: reply.body, as: UTF8.self)
                do {
                    _ = try SignedNote.openCosigned(note, verifier: witness.key)
                } catch {
                    return .refused(status: 200, "the answer carries no valid cosignature by \(witness.key.name): \(error)")
                }
                return .cosigned(size: checkpoint.size, note: note)
            case 409:
                guard let size = WitnessSize.parseConflictBody(reply.body) else {
                    return .refused(status: 409, "the answer does not say the witness's size")
                }
                if size == old {
                    return .forked("the witness cosigned checkpoint \(size) with another root hash than this log's")
                }
                old = size
            case 422:
                return .forked("the witness cosigned checkpoint \(old), and this log does not extend it")
            default:
                let text = String(decoding: reply.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return .refused(status: reply.status, text.isEmpty ? "no reason given" : text)
            }
        }
        return .refused(status: 409, "the witness's size kept changing")
    }
}
