import Foundation
import HearthBroker
import HearthCore
import HearthFirmware
import HearthDetection

/// Everything a hub needs to run, decided by the CLI from flags and `HEARTH_*` variables.
/// Libraries never read the environment themselves.
public struct HubConfiguration: Sendable {
    /// Where the hub listens for HTTPS; port 0 picks a free port (tests).
    public var host: String
    public var port: Int
    /// Extra DNS names for the hub's TLS certificate (besides `localhost`, 127.0.0.1 and ::1).
    public var hostnames: [String]
    /// The largest request body accepted on `/v1`, in bytes.
    public var maxBodyBytes: Int
    /// The HTTPS listener's timeouts for slow clients and its cap on pending connections.
    public var connectionLimits = HTTPConnectionLimits()
    /// How long a sign-in session lives.
    public var sessionLifetime: Duration
    /// How often expired sessions are swept from the database.
    public var sweepInterval: Duration
    /// Failed sign-ins allowed per account or source address before back-off starts.
    public var signInFreeFailures: Int
    /// Password hashing cost; stored with each hash, so raising it affects new hashes only.
    public var passwordHashing: PasswordHashParameters
    /// How often the audit log's head is signed while entries arrive.
    public var auditCheckpointInterval: Duration
    /// After how long an audit entry's details are redacted (its leaf hash stays); `nil` keeps them.
    public var auditRetention: Duration?
    /// After how long the details of audit entries holding personal data (source addresses) are
    /// redacted — sooner than the rest (docs/privacy.md); `nil` keeps them as long as the others.
    public var personalAuditRetention: Duration? = .seconds(30 * 86_400)
    /// How often stored telemetry past its flow's retention is removed and bridged counts are
    /// written; the aggregation windows that ended are closed as often.
    public var telemetryRetentionInterval: Duration = .seconds(10)
    /// Where the newest audit checkpoint is kept outside the database (`<data>/audit-checkpoint`),
    /// so that cutting the log back in the database shows (``AuditCheckpointFile``); nil keeps no
    /// copy.
    public var auditCheckpointFile: String?
    /// How often this process checks the database for revocations made elsewhere; the bound on
    /// how long a revoked certificate can still complete a handshake here.
    public var revocationPollInterval: Duration = .milliseconds(250)
    /// How often the running hub checks whether its own TLS certificate needs renewing.
    public var hubCertificateCheckInterval: Duration = .seconds(3600)
    /// The OAuth issuer (RFC 8414), the URL clients reach the hub by. When nil: the PKI's public
    /// URL, or — when listening on port 0 — `https://<host>:<bound port>`.
    public var oauthIssuer: String?
    /// The MQTT broker (MQTT over TLS on the HTTPS host, port 8883 — a free port when `port` is
    /// 0); nil runs the hub without it.
    public var mqtt: BrokerConfiguration?
    /// Where this node takes the MQTT clients other nodes relay to it, when several nodes share
    /// the households (docs/scale-out.md): each household's MQTT is then served by one node, the
    /// holder of its lease. Nil: this node serves every household's clients itself.
    public var mqttRelay: MQTTRelaySettings?
    /// The detectors' thresholds and containment rules (docs/detection.md; the CLI reads
    /// `detection.json` from the data folder when there is one); nil turns detection off.
    public var detection: DetectionSettings? = DetectionSettings()
    /// Where firmware images are stored as files (the data folder's `firmware/`) on SQLite; on
    /// PostgreSQL they are large objects. Nil with SQLite: images cannot be uploaded.
    public var firmwareFolder: String?
    /// How long the firmware repository's metadata stays valid (docs/firmware.md, "Expiry").
    public var repositoryLifetimes = RepositoryLifetimes()
    /// How long device certificates issued by pairing and renewal live; nil is the device
    /// profile's 24 h. Shorter lifetimes play a day of renewals in minutes (the fleet simulator,
    /// docs/simulator.md) or bound a lost key more tightly.
    public var deviceCertificateLifetime: Duration?
    /// The shortest and longest device certificate lifetimes a hub accepts: a renewal needs the
    /// last third of a lifetime to be longer than a device's back-off, and 30 days is the profile's cap.
    public static let deviceCertificateLifetimes: ClosedRange<Int64> = 60...(30 * 86_400)
    /// Certificate renewals and token requests handled at once, each; the next is shed with 503
    /// and `Retry-After` (``LoadGate``) rather than queued, so the admitted keep their latency.
    public var inFlightLimit = 64
    /// How often CRLs behind a routine rotation's revocation are republished (``HubPKI``).
    public var crlBatchInterval: Duration = .seconds(30)
    /// This process's name as the holder of leases (``NodeLeases``): unique per start, so a
    /// restarted node is a new holder.
    public var nodeName = HubConfiguration.defaultNodeName()
    /// How long a lease lasts without renewal; the work it guards moves to another node within
    /// 4/3 of it after its holder stops (docs/scale-out.md).
    public var leaseDuration: Duration = .seconds(6)

    public init(
        host: String = "127.0.0.1", port: Int = 8443, hostnames: [String] = [], maxBodyBytes: Int = 64 * 1024,
        sessionLifetime: Duration = .seconds(3600), sweepInterval: Duration = .seconds(300),
        signInFreeFailures: Int = 5, passwordHashing: PasswordHashParameters = .default,
        auditCheckpointInterval: Duration = .seconds(2), auditRetention: Duration? = .seconds(365 * 86_400)
    ) {
        self.host = host
        self.port = port
        // Port 0 (tests, benches) takes free ports for both listeners.
        mqtt = BrokerConfiguration(host: host, port: port == 0 ? 0 : 8883)
        self.hostnames = hostnames
        self.maxBodyBytes = maxBodyBytes
        self.sessionLifetime = sessionLifetime
        self.sweepInterval = sweepInterval
        self.signInFreeFailures = signInFreeFailures
        self.passwordHashing = passwordHashing
        self.auditCheckpointInterval = auditCheckpointInterval
        self.auditRetention = auditRetention
    }

    /// The host's name and a random suffix.
    public static func defaultNodeName() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix { $0 != "." }
        return (host.isEmpty ? "hearth" : String(host)) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// Parses `host:port`, `[v6]:port` or a bare `host` (port `defaultPort`).
    public static func parseListen(_ text: String, defaultPort: Int = 8443) throws -> (host: String, port: Int) {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw HearthError(.configuration, "listen address \(text) has an unclosed [")
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw HearthError(.configuration, "listen address \(text) is not host:port")
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw HearthError(.configuration, "listen address \(text) names no host") }
        guard let port = Int(portText.map(String.init) ?? String(defaultPort)), (0...65535).contains(port) else {
            throw HearthError(.configuration, "listen address \(text) has no valid port (0-65535)")
        }
        return (String(host), port)
    }
}

/// A node's relay listener (``HubConfiguration/mqttRelay``).
public struct MQTTRelaySettings: Sendable {
    public var host: String
    /// 0 takes a free port.
    public var port: Int
    /// How the other nodes reach the listener (`host:port`); nil: `host` and the bound port.
    public var advertisedAddress: String?

    public init(host: String, port: Int, advertisedAddress: String? = nil) {
        self.host = host
        self.port = port
        self.advertisedAddress = advertisedAddress
    }
}
