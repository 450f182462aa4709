import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One kept-alive HTTPS/1.1 connection that sends requests one at a time and times each on the
/// connection's event loop: from writing the request's head to reading its response's end (the
/// last body byte, decrypted and parsed). No task hop, queue or allocation of the caller's is in
/// the figure — only the network stack, TLS and the server.
struct KeptAliveHTTPS: Sendable {
    struct Response: Sendable {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: ByteBuffer
        /// From the request's first byte written to the response's last byte read.
        let nanoseconds: Int64

        var text: String { String(buffer: body) }
        var milliseconds: Double { Double(nanoseconds) / 1e6 }

        /// The value a `Set-Cookie` of this response gives the cookie `name`.
        func cookie(_ name: String) -> String? {
            for field in headers["set-cookie"] {
                let pair = field.prefix { $0 != ";" }
                guard let equals = pair.firstIndex(of: "="), pair[..<equals].trimmingCharacters(in: .whitespaces) == name
                else { continue }
                return String(pair[pair.index(after: equals)...])
            }
            return nil
        }
    }

    /// `host:port`, sent as `Host` (and the origin a console form post names).
    let authority: String
    private let channel: any Channel
    private let collector: NIOLoopBound<ResponseCollector>

    /// Connects over TLS 1.2+ to `host:port`, trusting only `rootPEM` (the hub's root CA). The
    /// address is not checked against the certificate: the hub's lists 127.0.0.1 anyway.
    static func connect(
        host: String, port: Int, rootPEM: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> KeptAliveHTTPS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(rootPEM.utf8), format: .pem)])
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ResponseCollector())
                }
            }
            .connect(host: host, port: port).get()
        let collector = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseCollector.self), eventLoop: channel.eventLoop)
        }.get()
        return KeptAliveHTTPS(authority: "\(host):\(port)", channel: channel, collector: collector)
    }

    /// Sends one request and waits for the whole response. `headers` come after `Host`
    /// (and `Content-Length` when there is a body).
    func request(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> Response {
        var fields = HTTPHeaders([("Host", authority)])
        if let body { fields.add(name: "Content-Length", value: String(body.count)) }
        fields.add(contentsOf: headers)
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)
        let buffer = body.map { ByteBuffer(bytes: $0) }
        let collector = self.collector
        return try await channel.eventLoop.flatSubmit { collector.value.send(head, body: buffer) }.get()
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Response {
        try await request(.GET, path, headers: headers)
    }

    func close() async {
        try? await channel.close()
    }
}

struct ConnectionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The connection's last handler: writes a request, collects its response, completes the promise.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<KeptAliveHTTPS.Response>?
    private var started = NIODeadline.now()
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        fail(ConnectionError("the connection's handler was removed"))
    }

    func send(_ request: HTTPRequestHead, body: ByteBuffer?) -> EventLoopFuture<KeptAliveHTTPS.Response> {
        guard let context, context.channel.isActive else {
            return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(
                ConnectionError("the connection to the hub is closed"))
        }
        guard pending == nil else {
            return context.eventLoop.makeFailedFuture(ConnectionError("one request at a time on a bench connection"))
        }
        let promise = context.eventLoop.makePromise(of: KeptAliveHTTPS.Response.self)
        pending = promise
        head = nil
        self.body = nil
        started = .now()
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let elapsed = NIODeadline.now() - started
            guard let promise = pending, let head else { return }
            pending = nil
            promise.succeed(.init(status: head.status, headers: head.headers, body: body ?? ByteBuffer(), nanoseconds: elapsed.nanoseconds))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ConnectionError("the hub closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        guard let promise = pending else { return }
        pending = nil
        promise.fail(error)
    }
}
