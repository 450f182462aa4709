import HearthCommandLine
import HearthMQTT
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection of a run: its client handler, bound to its event loop, and its channel.
struct LoadConnection: Sendable {
    let name: String
    let client: NIOLoopBound<LoadClient>
    let channel: any Channel

    /// Runs `body` with the client on its event loop.
    func onLoop<Value: Sendable>(_ body: @escaping @Sendable (LoadClient) -> Value) async throws -> Value {
        let client = self.client
        return try await client.eventLoop.submit { body(client.value) }.get()
    }
}

/// A connection to open: who, as what, and with which TLS context.
struct LoadConnectionSpec: Sendable {
    let name: String
    let role: LoadRole
    let connect: ConnectPacket
    let tls: NIOSSLContext
}

/// Why a connection of the run failed, with the identity it was made with.
struct LoadConnectionFailure: Error, CustomStringConvertible {
    let name: String
    let reason: String
    var description: String { "\(name): \(reason)" }
}

/// Opens mutual-TLS MQTT connections to one broker, spread round-robin over the event loops.
struct LoadConnector: Sendable {
    let host: String
    let port: Int
    /// Where publishers connect, when not to `port`.
    let publisherPort: Int?
    /// The name the broker's certificate must carry; nil checks its IP address instead.
    let serverName: String?
    let settings: LoadSettings
    /// One per event loop of the group.
    private let pacers: [NIOLoopBound<LoadPacer>]
    private let turn = RoundRobin()

    init(
        group: MultiThreadedEventLoopGroup, host: String, port: Int, publisherPort: Int? = nil, serverName: String?,
        settings: LoadSettings
    ) async throws {
        self.host = host
        self.port = port
        self.publisherPort = publisherPort
        self.serverName = serverName
        self.settings = settings
        var pacers: [NIOLoopBound<LoadPacer>] = []
        for loop in group.makeIterator() {
            pacers.append(try await loop.submit { NIOLoopBound(LoadPacer(eventLoop: loop), eventLoop: loop) }.get())
        }
        self.pacers = pacers
    }

    /// Connects, sends CONNECT (and SUBSCRIBE) and returns once the broker has accepted them.
    func open(_ spec: LoadConnectionSpec) async throws -> LoadConnection {
        let pacer = pacers[turn.next(of: pacers.count)]
        let loop = pacer.eventLoop
        let settings = self.settings
        let made = try await loop.submit {
            let client = LoadClient(
                role: spec.role, settings: settings, pacer: pacer.value, connect: spec.connect, ready: loop.makePromise())
            return (NIOLoopBound(client, eventLoop: loop), client.ready.futureResult)
        }.get()
        let serverName = self.serverName
        let port = if case .publisher = spec.role { publisherPort ?? self.port } else { self.port }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try NIOSSLClientHandler(context: spec.tls, serverHostname: serverName)
                        let decoder = MQTTPacketDecoder(maximumPacketSize: settings.maximumPacketSize, version: settings.version)
                        try channel.pipeline.syncOperations.addHandlers([tls, ByteToMessageHandler(decoder), made.0.value])
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw LoadConnectionFailure(name: spec.name, reason: "cannot connect to \(host):\(port): \(error)")
        }
        do {
            try await made.1.get()
        } catch {
            channel.close(promise: nil)
            throw LoadConnectionFailure(name: spec.name, reason: "\(error)")
        }
        return LoadConnection(name: spec.name, client: made.0, channel: channel)
    }

    /// Opens every connection, at most `concurrency` handshakes at a time; results in `specs` order.
    func openAll(_ specs: [LoadConnectionSpec], concurrency: Int) async -> [Result<LoadConnection, any Error>] {
        let finished = await withTaskGroup(of: (Int, Result<LoadConnection, any Error>).self) { group in
            var finished: [(Int, Result<LoadConnection, any Error>)] = []
            finished.reserveCapacity(specs.count)
            for (index, spec) in specs.enumerated() {
                if index >= concurrency, let done = await group.next() { finished.append(done) }
                group.addTask {
                    do { return (index, .success(try await open(spec))) } catch { return (index, .failure(error)) }
                }
            }
            for await done in group { finished.append(done) }
            return finished
        }
        return finished.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Sends DISCONNECT on every connection and waits (a few seconds at most) for them to close.
    static func closeAll(_ connections: [LoadConnection]) async {
        for connection in connections {
            let client = connection.client
            client.eventLoop.execute { client.value.disconnect() }
        }
        for connection in connections {
            let closed = connection.channel.closeFuture
            let timeout = connection.channel.eventLoop.scheduleTask(in: .seconds(5)) { connection.channel.close(promise: nil) }
            try? await closed.get()
            timeout.cancel()
        }
    }
}

/// Hands out 0, 1, …, count - 1, 0, … to concurrent callers.
private final class RoundRobin: Sendable {
    private let counter = Mutex(0)

    func next(of count: Int) -> Int {
        counter.withLock { value in
            defer { value += 1 }
            return value % count
        }
    }
}
