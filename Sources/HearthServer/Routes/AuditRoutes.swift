import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import Hummingbird

/// The audit log for a household's owners: `GET /v1/audit/checkpoint` (and `POST` to sign one
/// now), `GET /v1/audit/entries`, `GET /v1/audit/proof/inclusion`, `GET /v1/audit/proof/consistency`.
///
/// Owners see only their household's entries; the tree, its checkpoints and consistency proofs
/// are hub-wide (they reveal hashes, never content).
struct AuditRoutes: Sendable {
    let store: Store
    let checkpointer: AuditCheckpointer
    let authenticator: SessionAuthenticator
    var verifierKey: NoteVerifierKey { checkpointer.signer.verifierKey }

    static let maximumPage = 1000

    struct InclusionProof: Encodable {
        let index: Int64
        let size: Int64
        let leafHash: String
        let auditPath: [String]
        let checkpoint: String?

        enum CodingKeys: String, CodingKey {
            case index, size, checkpoint
            case leafHash = "leaf_hash"
            case auditPath = "audit_path"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(size, forKey: .size)
            try container.encode(leafHash, forKey: .leafHash)
            try container.encode(auditPath, forKey: .auditPath)
            try container.encode(checkpoint, forKey: .checkpoint)
        }
    }

    struct ConsistencyProof: Encodable {
        let from: Int64
        let to: Int64
        let consistencyPath: [String]

        enum CodingKeys: String, CodingKey {
            case from, to
            case consistencyPath = "consistency_path"
        }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/audit/checkpoint") { request, context in
                _ = try await owner(request, context)
                guard let latest = try await store.read({ db in try await db.audit.latestCheckpoint() }) else {
                    throw Problem(.notFound, code: "not-found", detail: "no checkpoint has been signed yet")
                }
                return try JSONBody.response(AuditCheckpointView(latest, key: verifierKey))
            },
            Endpoint(.post, "/v1/audit/checkpoint") { request, context in
                _ = try await owner(request, context)
                return try JSONBody.response(
                    AuditCheckpointView(try await checkpointer.checkpoint(), key: verifierKey), status: .created)
            },
            Endpoint(.get, "/v1/audit/entries") { request, context in try await entries(request, context) },
            Endpoint(.get, "/v1/audit/proof/inclusion") { request, context in try await inclusion(request, context) },
            Endpoint(.get, "/v1/audit/proof/consistency") { request, context in
                _ = try await owner(request, context)
                let parameters = QueryParameters(request)
                let from = try parameters.integer("from", required: true)!
                let to = try parameters.integer("to", required: true)!
                let path = try await store.read { db -> [[UInt8]] in
                    let size = try await db.audit.size()
                    guard from >= 0, from <= to, to <= size else {
                        throw Problem(
                            .unprocessableContent, code: "out-of-range",
                            detail: "need 0 <= from <= to <= \(size), the current size of the log")
                    }
                    return try await db.audit.consistencyProof(from: from, to: to)
                }
                return try JSONBody.response(ConsistencyProof(from: from, to: to, consistencyPath: path.map(\.base64)))
            },
        ]
    }

    private func owner(_ request: Request, _ context: HearthRequestContext) async throws -> Member {
        try await authenticator.owner(context.call(request), toDo: "read the audit log", scope: "audit:read")
    }

    private func entries(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let person = try await owner(request, context)
        let parameters = QueryParameters(request)
        let limit = try parameters.pageLimit(maximum: Self.maximumPage)
        let query = AuditQuery(
            householdID: person.householdID.rawValue, actor: parameters.text("actor"), subject: parameters.text("subject"),
            action: parameters.text("action"), since: try parameters.time("since"), until: try parameters.time("until"),
            beforeIndex: try parameters.integer("cursor"), newestFirst: true, limit: limit + 1)
        // One more than the page, to know whether another page follows.
        let found = try await store.read { db in try await db.audit.entries(query) }
        let entries = found.prefix(limit)
        return try JSONBody.response(PagedBody(
            name: "entries", items: entries.map(AuditEntryView.init),
            nextCursor: found.count > entries.count ? entries.last.map { String($0.index) } : nil))
    }

    private func inclusion(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let person = try await owner(request, context)
        let parameters = QueryParameters(request)
        let index = try parameters.integer("index", required: true)!
        let requestedSize = try parameters.integer("size")
        let proof = try await store.read { db -> InclusionProof in
            let size: Int64
            if let requestedSize {
                size = requestedSize
            } else {
                guard let latest = try await db.audit.latestCheckpoint() else {
                    throw Problem(.notFound, code: "not-found", detail: "no checkpoint has been signed yet; pass size")
                }
                size = latest.size
            }
            let logSize = try await db.audit.size()
            guard index >= 0, index < size, size <= logSize else {
                throw Problem(
                    .unprocessableContent, code: "out-of-range",
                    detail: "need 0 <= index < size <= \(logSize), the current size of the log")
            }
            // Another household's entry is reported exactly like an absent one.
            guard let entry = try await db.audit.entry(at: index), entry.householdID == person.householdID.rawValue else {
                throw Problem(.notFound, code: "not-found", detail: "no entry \(index) in your household's log")
            }
            return InclusionProof(
                index: index, size: size, leafHash: entry.leafHash.base64,
                auditPath: try await db.audit.inclusionProof(index: index, size: size).map(\.base64),
                checkpoint: try await db.audit.checkpoint(size: size)?.note)
        }
        return try JSONBody.response(proof)
    }
}

extension [UInt8] {
    var base64: String { Data(self).base64EncodedString() }
}
