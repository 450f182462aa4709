import Foundation
import HearthCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// A small HTTPS/1.1 client for the hub's API: one request per connection (the device talks
/// rarely, and a fresh handshake each time means every answer comes from a server that passed the
/// trust check just now), JSON bodies, a time limit on the whole exchange.
///
/// Host names: when the hub URL names a DNS host, pinned mode verifies it against the hub's
/// certificate (and sends it as SNI). When it is an IP address, no address is checked: the hub's
/// certificate lists 127.0.0.1, ::1 and its configured names, not every LAN address it may be
/// reached at. What stands in for it is the chain to the pinned root (the household's own CA),
/// the TLS server usage (which BoringSSL checks, so a device's client certificate cannot pose as
/// the hub) and, given a ``HubIdentity``, the hub's own identity URI, which no other certificate
/// under that root carries (the owner API can issue `server` certificates for any DNS name).
public struct HubConnection: Sendable {
    public let hub: URL
    let host: String
    let port: Int
    let hostIsAddress: Bool
    let trust: HubTrust
    let context: NIOSSLContext
    let group: any EventLoopGroup
    public var timeout: Duration
    /// The largest answer read; the hub's are a few kilobytes.
    public var responseLimit = 1 << 20
    /// The local address connections leave from (a device with several addresses); nil lets the
    /// system choose.
    public var sourceAddress: SocketAddress?

    public init(
        hub: URL, trust: HubTrust, identity: DeviceTLSIdentity? = nil, timeout: Duration = .seconds(15),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        guard hub.scheme?.lowercased() == "https", let rawHost = hub.host, !rawHost.isEmpty else {
            throw HearthError(
                .invalidInput, "the hub address must be an https:// URL with a host, like https://192.168.1.10:8443")
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        self.hub = hub
        self.host = host
        self.port = hub.port ?? 443
        self.hostIsAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        self.trust = trust
        self.timeout = timeout
        self.group = group

        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch trust.mode {
        case .capture:
            // The capture callback replaces the chain check; this mode only keeps NIOSSL from also
            // checking the host name, which the callback cannot see.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([])
        case .pinned(let root, _):
            let der = try CertificateChain([root]).derEncodings[0]
            configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: der, format: .der)])
            configuration.certificateVerification = hostIsAddress ? .noHostnameVerification : .fullVerification
        }
        if let identity {
            configuration.certificateChain = try identity.chain.derEncodings.map {
                .certificate(try NIOSSLCertificate(bytes: $0, format: .der))
            }
            configuration.privateKey = .privateKey(identity.key.tlsKey)
        }
        self.context = try NIOSSLContext(configuration: configuration)
    }

    public func get(_ path: String) async throws -> HubResponse {
        try await send(.GET, path) { _ in nil }
    }

    public func post(_ path: String, json: some Encodable) async throws -> HubResponse {
        let bytes = Array(try JSONEncoder.hub.encode(json))
        return try await send(.POST, path) { _ in bytes }
    }

    /// A POST whose JSON body is made after the handshake from the chain the server presented
    /// (pairing sends the key it saw). A throw from `body` aborts before anything is sent.
    public func post(_ path: String, body: (_ server: CertificateChain) throws -> [UInt8]) async throws -> HubResponse {
        try await send(.POST, path, body: body)
    }

    /// Any request: a body of the given media type and extra headers (an OAuth client's form
    /// posts and `Authorization`).
    public func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws -> HubResponse {
        try await send(HTTPMethod(rawValue: method.uppercased()), path, contentType: contentType, extra: headers) { _ in body }
    }

    private func send(
        _ method: HTTPMethod, _ path: String, contentType: String = "application/json", extra: [(String, String)] = [],
        body: (_ server: CertificateChain) throws -> [UInt8]?
    ) async throws -> HubResponse {
        let presented = PresentedCertificates()
        let deadline = Deadline()
        do {
            let (channel, handshake) = try await connect(recording: presented)
            let timer = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                deadline.expire()
                channel.channel.close(promise: nil)
            }
            defer { timer.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                let leaf = try await handshake.get()
                let server = try serverChain(leaf: leaf, presented: presented)
                if case .pinned(_, let hub?) = trust.mode, !hub.isHub(server.leaf) {
                    throw HubTransportError(.tls, "the server's certificate chains to the pinned root but is not the hub's")
                }
                let bytes = try body(server)
                // The whole request in one flush: a server may answer from the head alone and, as
                // the request says `Connection: close`, close at once — a body written after that
                // would fail on a closed connection although the answer is there.
                var parts: [HTTPClientRequestPart] = [.head(head(method, path, length: bytes?.count, contentType: contentType, extra: extra))]
                if let bytes { parts.append(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) }
                parts.append(.end(nil))
                try await outbound.write(contentsOf: parts)
                return try await read(inbound, server: server)
            }
        } catch {
            throw Self.classify(error, timedOut: deadline.expired, limit: timeout)
        }
    }

    private typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private func connect(recording presented: PresentedCertificates) async throws -> (Channel, EventLoopFuture<[UInt8]>) {
        let (context, mode, serverName) = (context, trust.mode, hostIsAddress ? nil : host)
        var bootstrap = ClientBootstrap(group: group).connectTimeout(.nanoseconds(timeout.nanoseconds))
        if let sourceAddress { bootstrap = bootstrap.bind(to: sourceAddress) }
        return try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls: NIOSSLClientHandler
                    switch mode {
                    case .capture:
                        tls = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, verdict in
                            verdict.succeed(presented.record(certificates) ? .certificateVerified : .failed)
                        }
                    case .pinned:
                        tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    }
                    let handshake = channel.eventLoop.makePromise(of: [UInt8].self)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(tls)
                    try pipeline.addHandler(TLSHandshakeSignal(handshake))
                    try pipeline.addHTTPClientHandlers()
                    return (try Channel(wrappingChannelSynchronously: channel), handshake.futureResult)
                }
            }
    }

    private func serverChain(leaf: [UInt8], presented: PresentedCertificates) throws -> CertificateChain {
        do {
            guard case .capture = trust.mode else { return try CertificateChain(derEncodings: [leaf]) }
            let recorded = presented.derEncodings
            guard recorded.first == leaf else {
                throw HubTransportError(.tls, "the certificates recorded do not match the server's")
            }
            return try CertificateChain(derEncodings: recorded)
        } catch let error as HubTransportError {
            throw error
        } catch {
            throw HubTransportError(.tls, "the server's certificate could not be parsed")
        }
    }

    private func head(
        _ method: HTTPMethod, _ path: String, length: Int?, contentType: String, extra: [(String, String)]
    ) -> HTTPRequestHead {
        let authority = hostIsAddress && host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var headers: HTTPHeaders = [
            "Host": authority, "Accept": "application/json", "Connection": "close", "User-Agent": "hearth-device",
        ]
        if let length {
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(length))
        }
        for (name, value) in extra { headers.add(name: name, value: value) }
        let prefix = hub.path.hasSuffix("/") ? String(hub.path.dropLast()) : hub.path
        return HTTPRequestHead(version: .http1_1, method: method, uri: prefix + path, headers: headers)
    }

    private func read(
        _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, server: CertificateChain
    ) async throws -> HubResponse {
        var status: Int?
        var retryAfter: Int?
        var body: [UInt8] = []
        reading: for try await part in inbound {
            switch part {
            case .head(let head):
                // 1xx answers (100 Continue) precede the real one.
                if head.status.code >= 200 {
                    status = Int(head.status.code)
                    // Seconds only: the hub never sends the HTTP-date form.
                    retryAfter = head.headers.first(name: "Retry-After").flatMap { Int($0) }.map { max(0, $0) }
                }
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= responseLimit else {
                    throw HubTransportError(.badResponse, "the hub's answer is larger than \(responseLimit) bytes")
                }
                body += buffer.readableBytesView
            case .end:
                if status != nil { break reading }
            }
        }
        guard let status else { throw HubTransportError(.unreachable, "the connection closed before the hub answered") }
        return HubResponse(status: status, body: body, serverChain: server, retryAfter: retryAfter)
    }

    /// Turns what NIO threw into a ``HubTransportError``; errors thrown by a body closure pass through.
    static func classify(_ error: any Error, timedOut: Bool, limit: Duration) -> any Error {
        if timedOut { return HubTransportError(.timedOut, "the hub did not answer within \(limit)") }
        switch error {
        case is HubTransportError:
            return error
        case let error as NIOSSLError where error == .uncleanShutdown:
            return HubTransportError(.unreachable, "the connection closed before the hub answered")
        case let error as NIOSSLError where error == .handshakeFailed(.sslError([.eofDuringHandshake])):
            // Closed before the hub said anything of TLS: a hub turning a crowd away before its
            // handshake (a full line), or one going down — not a refusal of the device's certificate,
            // which comes as an alert.
            return HubTransportError(.unreachable, "the hub closed the connection before the TLS handshake finished")
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            return HubTransportError(.tls, "TLS with the hub failed: \(error)")
        case is ChannelError, is IOError, is NIOConnectionError, is SocketAddressError:
            return HubTransportError(.unreachable, "could not reach the hub: \(error)")
        case is HTTPParserError:
            return HubTransportError(.badResponse, "the hub's answer is not HTTP/1.1")
        default:
            return error
        }
    }
}

/// Set when the time limit closed the connection, so the error it causes reads as a timeout.
private final class Deadline: Sendable {
    private let state = Atomic<Bool>(false)
    func expire() { state.store(true, ordering: .sequentiallyConsistent) }
    var expired: Bool { state.load(ordering: .sequentiallyConsistent) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension JSONEncoder {
    /// Slashes unescaped so PEM and URLs read as they are.
    static var hub: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}
