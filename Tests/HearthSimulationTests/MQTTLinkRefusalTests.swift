import HearthMQTT
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import X509
import Crypto
import Foundation

@testable import HearthSimulation

@Suite struct MQTTLinkRefusalTests {
    @Test func aConnectionClosedAtOnceFailsTheSession() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.scheduleTask(in: .milliseconds(Int64.random(in: 0...3000))) { channel.close(promise: nil) }
                return channel.setOption(.autoRead, value: false)
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("root") }
        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date(), notValidAfter: Date() + 3600,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try .init { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }, issuerPrivateKey: .init(key))
        let context = try MQTTLink.context(identity: nil, root: root)
        await withTaskGroup(of: Void.self) { tasks in
        for attempt in 0..<2000 {
            tasks.addTask {
            let started = ContinuousClock.now
            do {
                _ = try await MQTTLink.session(
                    host: "127.0.0.1", port: port, context: context,
                    connect: ConnectPacket(version: .v311, clientID: "x", cleanStart: true, keepAlive: 60), timeout: .seconds(5)
                ) { _, _, _, _ in 1 }
                Issue.record("connected")
            } catch {
                if attempt % 200 == 0 { print("attempt \(attempt): \(error) after \(ContinuousClock.now - started)") }
            }
            }
        }
        }
        try await server.close()
    }
}
