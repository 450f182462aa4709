import HearthCore
import HearthStore
import Hummingbird

/// Resolves `Authorization: Bearer <token>` to a live session and its person.
struct SessionAuthenticator: Sendable {
    let store: Store

    struct Authenticated: Sendable {
        let person: Person
        let tokenDigest: String
    }

    func authenticate(_ request: Request) async throws -> Authenticated {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthenticated("sign in first: send Authorization: Bearer <session token>", invalidToken: false)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].utf8.count <= 512 else {
            throw Problem.unauthenticated("the Authorization header is not a bearer token", invalidToken: true)
        }
        let digest = SecretToken.digest(of: String(parts[1]))
        let now = store.clock.now
        let person = try await store.read { db in try await db.people.withLiveSession(tokenDigest: digest, at: now) }
        guard let person else {
            throw Problem.unauthenticated("the session token is unknown or expired; sign in again", invalidToken: true)
        }
        return Authenticated(person: person, tokenDigest: digest)
    }

    /// The signed-in person, who must be a household owner; 403 naming `purpose` otherwise.
    func owner(_ request: Request, toDo purpose: String) async throws -> Person {
        let caller = try await authenticate(request)
        guard caller.person.role == .owner else {
            throw Problem(.forbidden, code: "forbidden", detail: "only a household owner may \(purpose)")
        }
        return caller.person
    }
}
