import HearthCore
import HearthHub
import HearthOAuth
import Hummingbird
import Logging
import NIOCore

/// `/oauth/*` answers every error as RFC 6749 does, never as problem+json: OAuth client
/// libraries read `error` and `error_description`.
enum OAuthErrorMiddleware {
    static func handle(
        _ request: Request, context: HearthRequestContext,
        next: (Request, HearthRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            // RFC 6749 §5.2: a client that tried HTTP Basic is challenged with Basic.
            let basic = request.headers[.authorization]?.lowercased().hasPrefix("basic ") == true
            return try error.response(
                headers: error.code == .invalidClient && basic ? [.wwwAuthenticate: #"Basic realm="hearth""#] : [:])
        } catch let error as DPoPNonceRequired {
            return try error.response(from: request, context: context)
        } catch let problem as Problem {
            return try Self.response(for: problem)
        } catch let error as HearthError {
            if error.code == .storageUnavailable {
                context.logger.error("storage error", metadata: ["error": "\(error)"])
                return try OAuthError(.temporarilyUnavailable, "the hub's storage is unavailable; try again").response(headers: [:])
            }
            if error.code == .overloaded {
                // Shed (LoadGate): 503 with Retry-After, which OAuth client libraries and proxies honour.
                return try OAuthError(.temporarilyUnavailable, error.reason).response(
                    status: .serviceUnavailable, headers: [.retryAfter: String(error.retryAfter ?? 1)])
            }
            return try Self.response(for: Problem(error))
        } catch let error as HTTPError {
            let code: OAuthError.Code = error.status.code >= 500 ? .serverError : .invalidRequest
            return try OAuthError(code, error.status.reasonPhrase).response(status: error.status, headers: [:])
        } catch is NIOTooManyBytesError {
            return try OAuthError(.invalidRequest, "the request body is larger than this hub accepts")
                .response(status: .contentTooLarge, headers: [:])
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try OAuthError(.serverError, "the hub could not complete the request; see its log").response(headers: [:])
        }
    }

    /// A problem in RFC 6749's shape: throttling is `slow_down`, the rest `invalid_request`.
    private static func response(for problem: Problem) throws -> Response {
        var headers: HTTPFields = [:]
        if let retry = problem.headers[.retryAfter] { headers[.retryAfter] = retry }
        if problem.status == .tooManyRequests {
            return try OAuthError(.slowDown, problem.detail).response(status: .tooManyRequests, headers: headers)
        }
        if problem.status == .notFound || problem.status == .methodNotAllowed {
            return try OAuthError(.invalidRequest, problem.detail).response(status: problem.status, headers: headers)
        }
        return try OAuthError(.invalidRequest, problem.detail).response(headers: headers)
    }
}
