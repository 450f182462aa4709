import Foundation
import HearthCore
import X509

/// What a paired device remembers besides its keys and certificates (`device.json`).
public struct DeviceRecord: Sendable, Hashable, Codable {
    public var deviceID: String
    /// The hub's base URL, as given at pairing.
    public var hub: URL
    public var notAfter: Date
    /// When the certificate should be renewed: two thirds into its life, or at once for the
    /// certificate pairing issued (it is rotated right away).
    public var renewAfter: Date
    /// How far the hub's clock is ahead of the device's (negative: behind), as the certificate of
    /// its last renewal showed; nil when they agreed within two seconds. A device whose clock runs
    /// ahead would otherwise ask before the hub's window opens and be refused.
    public var clockOffset: TimeInterval?

    public init(deviceID: String, hub: URL, notAfter: Date, renewAfter: Date, clockOffset: TimeInterval? = nil) {
        self.deviceID = deviceID
        self.hub = hub
        self.notAfter = notAfter
        self.renewAfter = renewAfter
        self.clockOffset = clockOffset
    }

    /// The hub's time when the device's clock reads `local`.
    public func hubTime(at local: Date) -> Date { local.addingTimeInterval(clockOffset ?? 0) }

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case hub
        case notAfter = "not_after"
        case renewAfter = "renew_after"
        case clockOffset = "clock_offset"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try container.decode(String.self, forKey: .deviceID)
        guard let hub = URL(string: try container.decode(String.self, forKey: .hub)) else {
            throw DecodingError.dataCorruptedError(forKey: .hub, in: container, debugDescription: "not a URL")
        }
        self.hub = hub
        func date(_ key: CodingKeys) throws -> Date {
            let text = try container.decode(String.self, forKey: key)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an RFC 3339 time")
            }
            return date
        }
        notAfter = try date(.notAfter)
        renewAfter = try date(.renewAfter)
        clockOffset = try container.decodeIfPresent(Double.self, forKey: .clockOffset)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deviceID, forKey: .deviceID)
        try container.encode(hub.absoluteString, forKey: .hub)
        try container.encode(RFC3339.format(notAfter), forKey: .notAfter)
        try container.encode(RFC3339.format(renewAfter), forKey: .renewAfter)
        try container.encodeIfPresent(clockOffset, forKey: .clockOffset)
    }
}

/// The folder a device keeps its state in: `certificate.pem` (its chain, leaf first),
/// `root.pem` (the hub root it pinned at pairing), `device.json` (``DeviceRecord``), and the keys
/// of ``FileKeyStore``. Every file is replaced whole and atomically, so a crash leaves either the
/// old or the new version.
public struct DeviceStateFolder: Sendable {
    public static let chainName = "certificate.pem"
    public static let rootName = "root.pem"
    public static let recordName = "device.json"

    public let url: URL

    public init(_ url: URL) { self.url = url }

    public var chainURL: URL { url.appendingPathComponent(Self.chainName) }
    public var rootURL: URL { url.appendingPathComponent(Self.rootName) }
    public var recordURL: URL { url.appendingPathComponent(Self.recordName) }

    /// Creates the folder, readable by its owner only.
    public func prepare() throws { try AtomicFile.makePrivateFolder(url) }

    /// The record, or nil when the device has not been paired (there is no `device.json`).
    public func record() throws -> DeviceRecord? {
        guard FileManager.default.fileExists(atPath: recordURL.path) else { return nil }
        do {
            return try JSONDecoder().decode(DeviceRecord.self, from: Data(contentsOf: recordURL))
        } catch {
            throw HearthError(.storageUnavailable, "\(recordURL.path) is unreadable or not a device record")
        }
    }

    /// The stored chain, leaf first.
    public func chain() throws -> CertificateChain { try CertificateChain(pem: read(chainURL)) }

    /// The pinned hub root.
    public func root() throws -> Certificate {
        let chain = try CertificateChain(pem: read(rootURL))
        guard chain.certificates.count == 1 else {
            throw HearthError(.storageUnavailable, "\(rootURL.path) must hold exactly one certificate")
        }
        return chain.leaf
    }

    public func store(_ record: DeviceRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(record)) + [0x0A], to: recordURL)
    }

    public func store(chain: CertificateChain) throws { try AtomicFile.write(Array(chain.pem.utf8), to: chainURL) }

    /// Pins `root` (exactly one certificate, kept byte for byte as the hub sent it).
    public func store(root: CertificateChain) throws {
        guard root.certificates.count == 1 else { throw HearthError(.invalidInput, "a root is one certificate") }
        try AtomicFile.write(Array(root.pem.utf8), to: rootURL)
    }

    /// Forgets the paired identity — record first, so an interrupted reset leaves an unpaired
    /// folder — then its chain and pinned root. Anything else in the folder (a manufacturer's
    /// attestation) stays: it belongs to the hardware, not to the identity.
    public func forgetIdentity() throws {
        for url in [recordURL, chainURL, rootURL] where FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.removeItem(at: url)
        }
    }

    private func read(_ file: URL) throws -> String {
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw HearthError(.storageUnavailable, "could not read \(file.path)")
        }
    }
}
