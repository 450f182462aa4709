import Crypto
import Foundation
import HearthCore
import HearthDevice
import HearthMQTT
import SwiftASN1
import X509

/// What a stranger on the network tries, for an attack day: the hub's detection should notice
/// (docs/detection.md) and the household's devices should not. In network namespaces the
/// stranger has an address of its own; in process it shares 127.0.0.1, which the hub never blocks.
enum Attacks {
    /// MQTT connections with a certificate the hub never issued (a cloned device with its own
    /// CA): each must fail at the handshake.
    static func foreignCertificates(_ count: Int, in fleet: FleetContext) async -> Int {
        guard let identity = try? foreignIdentity(now: fleet.clock.now),
              let context = try? MQTTLink.context(identity: identity, root: fleet.root)
        else { return 0 }
        var refused = 0
        for index in 0..<count {
            let connect = ConnectPacket(version: .v311, clientID: "intruder-\(index)", cleanStart: true, keepAlive: 30)
            do {
                try await MQTTLink.session(
                    host: fleet.host, port: fleet.mqttPort, source: fleet.network?.attackerAddress, context: context, connect: connect,
                    timeout: .seconds(5)
                ) { _, _, _, _ in }
            } catch {
                refused += 1
            }
        }
        return refused
    }

    /// Sign-ins with the owner's address and wrong passwords.
    static func passwordGuesses(_ count: Int, owner email: String, in fleet: FleetContext) async -> Int {
        var connection = fleet.owner.connection
        connection.sourceAddress = fleet.network?.attackerAddress
        var refused = 0
        for guess in 0..<count {
            let reply = try? await connection.post(
                "/v1/session", json: ["email": email, "password": "guess-\(guess)-\(UUID().uuidString)"])
            if let reply, reply.status >= 400 { refused += 1 }
        }
        return refused
    }

    /// A P-256 key and a self-signed certificate naming a device, from no CA the hub knows.
    private static func foreignIdentity(now: Date) throws -> DeviceTLSIdentity {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("intruder") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions {
                KeyUsage(digitalSignature: true)
                try ExtendedKeyUsage([.clientAuth])
            }, issuerPrivateKey: Certificate.PrivateKey(key))
        return DeviceTLSIdentity(chain: try CertificateChain([certificate]), key: try DeviceKey(key))
    }
}
