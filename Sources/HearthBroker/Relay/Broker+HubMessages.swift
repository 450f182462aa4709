import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Messages the hub itself sends into a household (alerts, approved commands, firmware offers,
/// discovery configurations): published by the node that serves the household — here, or handed
/// to that node over the relay link.
extension Broker {
    /// Publishes `message` where the household is served; returns once it is stored there.
    func publishAsHub(_ message: BrokerMessage, household: HouseholdID) async throws {
        switch await serve(household) {
        case .here:
            try await outbox.durable(through: publish(message, household: household).durable)
        case .elsewhere(let node, let address):
            try await relay(message, household: household, to: address, node: node)
        case .unknown(let reason):
            throw RelayFailure(description: reason)
        }
    }

    /// As ``publishAsHub(_:household:)``, for callers that do not wait: with one node it is
    /// routed before this returns, as it always was.
    func sendAsHub(_ message: BrokerMessage, household: HouseholdID) {
        guard placement != nil else {
            publish(message, household: household)
            return
        }
        Task {
            do {
                try await publishAsHub(message, household: household)
            } catch {
                logger.warning(
                    "a message from the hub did not reach its household's node",
                    metadata: ["topic": "\(message.topic)", "error": "\(error)"])
            }
        }
    }

    struct RelayFailure: Error, CustomStringConvertible {
        let description: String
    }

    private func relay(_ message: BrokerMessage, household: HouseholdID, to address: String, node: String) async throws {
        guard let relay, let (host, port) = MQTTConnection.hostAndPort(address) else {
            throw RelayFailure(description: "no relay to \(node)")
        }
        var preamble = RelayPreamble(certificateChain: [], remoteAddress: nil, localPort: nil, issuedAt: clock.now)
        preamble.message = RelayPreamble.HubMessage(
            household: household.rawValue,
            message: StoredMessage(Delivery(message: message, qos: message.qos, retain: message.retain, subscriptionIdentifiers: [])))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let answer = loop.makePromise(of: UInt8.self)
        // Every path completes the promise: the answer, the link's end, or this.
        loop.scheduleTask(in: .seconds(5)) { answer.fail(RelayFailure(description: "\(node) did not answer")) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(3))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try NIOSSLClientHandler(context: relay.clientTLS, serverHostname: nil)
                        try channel.pipeline.syncOperations.addHandlers([tls, RelayAnswer(answer)])
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            answer.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        try await channel.writeAndFlush(preamble.encoded(key: relay.keys[0]))
        let code = try await answer.futureResult.get()
        guard code == 0 else { throw RelayFailure(description: "\(node) does not serve the household now") }
    }

    /// A message another node relayed here: published if this node serves its household. The
    /// answer: 0 stored, 1 not served here, 2 not stored.
    func acceptRelayed(_ relayed: RelayPreamble.HubMessage) async -> UInt8 {
        guard let household = HouseholdID(relayed.household) else { return 1 }
        guard await serve(household) == .here else { return 1 }
        let message = relayed.message.delivery(storedAs: nil).message
        do {
            try await outbox.durable(through: publish(message, household: household).durable)
            return 0
        } catch {
            return 2
        }
    }
}

/// The serving node's one-byte answer to a relayed message.
final class RelayAnswer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let promise: EventLoopPromise<UInt8>

    init(_ promise: EventLoopPromise<UInt8>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let code = unwrapInboundIn(data).getInteger(at: 0, as: UInt8.self) { promise.succeed(code) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
