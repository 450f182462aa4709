import HearthCore
import HearthHub
import HearthOAuth
import Hummingbird
import Logging
import NIOCore

/// Turns every error into a problem+json response: Hearth's typed errors, Hummingbird's own
/// (unknown route, wrong method, body too large) and, last, anything unexpected — which is
/// logged with the request id and answered with a generic 500 that reveals nothing.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HearthRequestContext
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !request.uri.path.hasPrefix("/oauth/") else {
            return try await OAuthErrorMiddleware.handle(request, context: context, next: next)
        }
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            // A `/v1` call with an OAuth access token that failed: RFC 6750's answer.
            return try error.response(from: request, context: context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as HearthError {
            if error.code == .storageUnavailable {
                context.logger.error("storage error", metadata: ["error": "\(error)"])
            }
            return try Problem(error).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try notFound(request, context: context)
        } catch let error as HTTPError {
            return try Problem(error.status, code: "http-\(error.status.code)", detail: error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem.bodyTooLarge.response(from: request, context: context)
        } catch {
            // The full error is safe to log: the database only ever receives hashes, digests and
            // sealed blobs, never a password, token or key in clear, so no driver detail holds one.
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try Problem(
                .internalServerError, code: "internal", detail: "the hub could not complete the request; see its log")
                .response(from: request, context: context)
        }
    }

    private func notFound(_ request: Request, context: Context) throws -> Response {
        let allowed = routes.methods(matching: request.uri.path)
        if allowed.isEmpty {
            return try Problem(.notFound, code: "not-found", detail: "no such resource")
                .response(from: request, context: context)
        }
        let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return try Problem(
            .methodNotAllowed, code: "method-not-allowed", detail: "\(request.method.rawValue) is not allowed here",
            headers: [.allow: allow]
        ).response(from: request, context: context)
    }
}

extension Problem {
    static let bodyTooLarge = Problem(
        .contentTooLarge, code: "body-too-large", detail: "the request body is larger than this hub accepts")
}
