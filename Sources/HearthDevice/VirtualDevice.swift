import Crypto
import Foundation
import HearthCore
import Logging
import NIOCore
import NIOPosix
import X509

/// A device client: pairs with a hub, keeps its certificate renewed and asks the hub about itself,
/// with all its state in one folder (``DeviceStateFolder``) and its keys in a ``DeviceKeyStore``.
///
/// The same code is the virtual device of `hearth device …` and what tests use as a real device.
/// One process at a time should work on a state folder.
public struct VirtualDevice: Sendable {
    public let folder: DeviceStateFolder
    public let keys: any DeviceKeyStore
    public var backoff: Backoff
    public var logger: Logger
    /// The limit for one request (connection, handshake, answer).
    public var requestTimeout: Duration
    /// The local address the device's connections to the hub leave from (one of several it
    /// has); nil lets the system choose.
    public var sourceAddress: SocketAddress?
    let group: any EventLoopGroup
    let sleep: @Sendable (Duration) async throws -> Void
    /// Where the device reads the time of day (when a renewal is due).
    let clock: any HearthClock

    /// - Parameters:
    ///   - keys: where keys live; by default ``FileKeyStore`` in the state folder.
    ///   - sleep: how waits (polling, back-off) happen; tests pass one that does not wait.
    ///   - clock: the time of day; tests pass one they move.
    public init(
        stateFolder: URL, keys: (any DeviceKeyStore)? = nil, backoff: Backoff = Backoff(),
        requestTimeout: Duration = .seconds(15), logger: Logger = Logger(label: "hearth.device"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        clock: any HearthClock = SystemClock()
    ) {
        self.folder = DeviceStateFolder(stateFolder)
        self.keys = keys ?? FileKeyStore(folder: stateFolder)
        self.backoff = backoff
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.group = group
        self.sleep = sleep
        self.clock = clock
    }

    /// The device's record, or nil before pairing.
    public func record() throws -> DeviceRecord? { try folder.record() }

    /// A factory reset, for re-commissioning: the identity (record, certificate, pinned root and
    /// keys) is forgotten, the manufacturer's attestation kept. The device then pairs again and
    /// the hub gives it a new identity — once the old one is decommissioned there, if the device
    /// pairs by its setup secret or attestation (docs/pairing.md, "Re-commissioning").
    public func reset() throws {
        try folder.forgetIdentity()
        try keys.forgetAll()
        logger.info("reset: the paired identity is forgotten")
    }

    /// What a paired device works with.
    struct Paired {
        var record: DeviceRecord
        let chain: CertificateChain
        let root: Certificate
        let key: DeviceKey

        var identity: DeviceTLSIdentity { DeviceTLSIdentity(chain: chain, key: key) }
    }

    /// Loads the paired state, first finishing an installation a crash interrupted: the stored
    /// certificate is for the pending key when the process stopped before renaming the key, and
    /// the record may still describe the previous certificate.
    func paired() throws -> Paired {
        guard var record = try folder.record() else {
            throw HearthError(.notInitialized, "\(folder.url.path) holds no paired device; pair it first")
        }
        let chain = try folder.chain()
        if record.notAfter != chain.leaf.notValidAfter {
            record.notAfter = chain.leaf.notValidAfter
            record.renewAfter = DeviceCertificateInfo.renewalTime(of: chain.leaf)
            try folder.store(record)
        }
        if try keys.currentKey()?.publicKey != chain.leaf.publicKey,
           try keys.pendingKey()?.publicKey == chain.leaf.publicKey {
            logger.notice("finishing a key rotation that was interrupted")
            try keys.promotePendingKey()
        }
        guard let key = try keys.currentKey(), key.publicKey == chain.leaf.publicKey else {
            throw HearthError(.storageUnavailable, "the stored certificate is not for the stored key in \(folder.url.path)")
        }
        return Paired(record: record, chain: chain, root: try folder.root(), key: key)
    }

    /// What the device presents to the hub's other services (its MQTT broker) and the root it
    /// trusts them by: the current chain and key, the pinned root.
    public func credentials() throws -> (identity: DeviceTLSIdentity, root: Certificate) {
        let paired = try paired()
        return (paired.identity, paired.root)
    }

    /// A connection to the paired hub, for requests of the caller's own (see ``pinnedConnection(_:)``).
    public func hubConnection() throws -> HubConnection { try pinnedConnection(try paired()) }

    /// A connection to the paired hub: only a server with the hub's identity under the pinned root
    /// is trusted, and the device presents its certificate.
    func pinnedConnection(_ paired: Paired) throws -> HubConnection {
        guard let hub = HubIdentity(deviceCertificate: paired.chain.leaf) else {
            throw HearthError(.storageUnavailable, "the stored certificate carries no Hearth device identity")
        }
        return try connection(to: paired.record.hub, trust: .pinned(paired.root, hub: hub), identity: paired.identity)
    }

    /// A connection with this device's time limit, event loops and source address.
    func connection(to hub: URL, trust: HubTrust, identity: DeviceTLSIdentity? = nil) throws -> HubConnection {
        var connection = try HubConnection(hub: hub, trust: trust, identity: identity, timeout: requestTimeout, group: group)
        connection.sourceAddress = sourceAddress
        return connection
    }

    /// Stores a certificate the hub issued for the pending key, then makes that key current — in
    /// this order, so a crash in between is repaired by ``paired()``.
    func install(_ chain: CertificateChain, record: DeviceRecord) throws {
        try folder.store(chain: chain)
        try folder.store(record)
        try keys.promotePendingKey()
    }
}

/// A certificate the device holds, as the CLI reports it.
public struct DeviceCertificateInfo: Sendable, Hashable {
    public let serial: String
    public let notBefore: Date
    public let notAfter: Date
    public let renewAfter: Date

    init(_ chain: CertificateChain, renewAfter: Date) {
        serial = chain.serial
        notBefore = chain.leaf.notValidBefore
        notAfter = chain.leaf.notValidAfter
        self.renewAfter = renewAfter
    }

    /// Two thirds into the certificate's life (from its issue time), when the hub's renewal window
    /// opens, plus a share of the next twelfth taken from the serial: certificates issued together
    /// (a fleet paired at once, a storm of renewals after an outage) come back spread over that
    /// twelfth instead of in the same minute, and a device keeps its time across restarts.
    ///
    /// One second later than that: a certificate's times are whole seconds, the hub's record of
    /// them milliseconds, so the window read from the certificate can open up to a second early.
    public static func renewalTime(of certificate: Certificate) -> Date {
        CertificateValidity.point(
            2.0 / 3 + spread(certificate.serialNumber) / 12,
            issuedAt: CertificateValidity.issuedAt(notBefore: certificate.notValidBefore), notAfter: certificate.notValidAfter
        ).addingTimeInterval(1)
    }

    /// A fraction in [0, 1) fixed by the serial (its SHA-256; serials are random already, hashing
    /// spreads a short or structured one too).
    static func spread(_ serial: Certificate.SerialNumber) -> Double {
        let digest = Array(SHA256.hash(data: Array(serial.bytes)))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }
}
