import Foundation
import HearthCommandLine
import HearthCore
import HearthMQTT
import NIOSSL

/// One client of the load as the identities folder describes it.
struct LoadIdentity: Sendable {
    enum Role: String, Sendable { case publisher, subscriber }

    let role: Role
    /// `<name>.pem` (certificate chain, leaf first) and `<name>.key` (PEM private key) in the folder.
    let name: String
    /// The MQTT client identifier; empty asks the broker to assign one.
    let clientID: String
    /// What a publisher publishes to, or the filter a subscriber subscribes to.
    let topic: String
    let chainPath: String
    let keyPath: String
}

/// The identities folder: certificates and keys, and `manifest.txt`, one client per line:
///
///     # role       name     client-id                 topic (publisher) or filter (subscriber)
///     publisher    switch1  <switch1's device id>     devices/<lamp1's device id>/cmd/set
///     subscriber   lamp1    <lamp1's device id>       devices/<lamp1's device id>/cmd/#
///
/// A client id of `-` is the empty client id. Blank lines and lines starting with `#` are skipped.
struct LoadIdentities: Sendable {
    static let manifestName = "manifest.txt"

    let publishers: [LoadIdentity]
    let subscribers: [LoadIdentity]

    var all: [LoadIdentity] { publishers + subscribers }

    init(folder: String) throws {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(Self.manifestName).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HearthError(.invalidInput, "cannot read \(path)")
        }
        var publishers: [LoadIdentity] = []
        var subscribers: [LoadIdentity] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            guard fields.count == 4, let role = LoadIdentity.Role(rawValue: first) else {
                throw HearthError(
                    .invalidInput, "\(path):\(number + 1): expected 'publisher|subscriber NAME CLIENT-ID TOPIC-OR-FILTER'")
            }
            let base = URL(fileURLWithPath: folder).appendingPathComponent(fields[1]).path
            let identity = LoadIdentity(
                role: role, name: fields[1], clientID: fields[2] == "-" ? "" : fields[2], topic: fields[3],
                chainPath: base + ".pem", keyPath: base + ".key")
            do {
                switch role {
                case .publisher: try TopicName.validate(identity.topic)
                case .subscriber: _ = try TopicFilter(identity.topic)
                }
            } catch {
                throw HearthError(.invalidInput, "\(path):\(number + 1): \(error)")
            }
            if role == .publisher { publishers.append(identity) } else { subscribers.append(identity) }
        }
        self.publishers = publishers
        self.subscribers = subscribers
    }
}

/// The TLS side of a client: TLS 1.3 only, the broker verified against the CA file (and its name,
/// or without one its IP address, against the certificate), the identity's chain and key presented.
struct LoadTLS: Sendable {
    let cafile: String
    let serverName: String?

    /// One context per identity, built once and shared by every connection made with it.
    func context(for identity: LoadIdentity?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = .file(cafile)
        if let identity {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(identity.chainPath).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: identity.keyPath, format: .pem))
            } catch {
                throw HearthError(.invalidInput, "cannot load \(identity.chainPath) and \(identity.keyPath): \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw HearthError(.invalidInput, "cannot make a TLS context (CA file \(cafile)): \(error)")
        }
    }
}
