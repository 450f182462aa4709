import Foundation

/// One HTTP answer and the certificates of the server that gave it.
public struct HubResponse: Sendable {
    public let status: Int
    public let body: [UInt8]
    /// Leaf first: the whole chain as presented in capture mode; the (verified) leaf when pinned.
    public let serverChain: CertificateChain
    /// `Retry-After` in seconds, when the hub sent one (it sheds load with 503 and this header).
    public var retryAfter: Int? = nil


    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw HubTransportError(.badResponse, "the hub's answer (HTTP \(status)) is not the JSON expected")
        }
    }

    /// The answer read as a problem; meant for an error status.
    public var problem: HubProblem {
        var problem = HubProblem(status: status, body: body)
        problem.retryAfter = retryAfter
        return problem
    }
}

/// The hub answered with an RFC 9457 problem (or at least an error status).
///
/// `detail` is the hub's text for the device's owner; the hub never echoes secrets back in it.
public struct HubProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    /// The problem's `code` member (`renewal-too-early`, `authorization-pending`, …), or
    /// `http-<status>` when the body was not a problem document.
    public let code: String
    public let detail: String
    /// When the hub asked to be tried again (`Retry-After`, seconds); ``Backoff`` waits at least that.
    public var retryAfter: Int?

    public init(status: Int, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    /// Reads a problem+json body; anything else keeps the status and a generic code.
    public init(status: Int, body: [UInt8]) {
        struct Document: Decodable {
            let code: String?
            let detail: String?
            let title: String?
        }
        let document = try? JSONDecoder().decode(Document.self, from: Data(body))
        self.init(
            status: status, code: document?.code ?? "http-\(status)",
            detail: document?.detail ?? document?.title ?? "the hub answered HTTP \(status)")
    }

    /// 5xx: the hub may do better on a later attempt. A 4xx is its decision, not to be retried.
    public var isRetriable: Bool { status >= 500 }

    public var description: String { "the hub refused (\(status) \(code)): \(detail)" }
}

/// The request did not get an HTTP answer: the hub was unreachable, too slow, or TLS failed.
public struct HubTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No connection (refused, unreachable, reset before an answer).
        public static let unreachable = Code("hub-unreachable")
        /// No complete answer within the time limit.
        public static let timedOut = Code("hub-timed-out")
        /// The TLS handshake failed: the hub's certificate is not trusted, or the hub refused ours.
        public static let tls = Code("tls-failed")
        /// The answer was not HTTP we understand, or too large.
        public static let badResponse = Code("bad-response")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// Network trouble may pass; a refused certificate or a malformed answer will not.
    public var isRetriable: Bool { code == .unreachable || code == .timedOut }

    public var description: String { "\(code): \(reason)" }
}
