import Foundation
import HearthCore
import HearthFirmware

/// What a virtual device runs (its state folder's `firmware.json`), what it trusts of the hub's
/// TUF repository (`tuf/`), and the images it installed (`firmware/`) — docs/firmware.md.
public struct InstalledFirmware: Sendable, Hashable, Codable {
    public let model: String
    public let version: String
    public let securityVersion: Int64
    public let sha256: String?

    enum CodingKeys: String, CodingKey { case model, version, securityVersion = "security_version", sha256 }

    public init(model: String, version: String, securityVersion: Int64, sha256: String? = nil) {
        self.model = model
        self.version = version
        self.securityVersion = securityVersion
        self.sha256 = sha256
    }

    /// As the device reports it to the hub.
    public var report: FirmwareReport {
        get throws { try FirmwareReport(model: model, version: version, securityVersion: securityVersion, sha256: sha256) }
    }
}

extension DeviceStateFolder {
    public var firmwareURL: URL { url.appendingPathComponent("firmware.json") }
    var repositoryURL: URL { url.appendingPathComponent("tuf") }
    var imagesURL: URL { url.appendingPathComponent("firmware") }

    public func firmware() throws -> InstalledFirmware? {
        guard let data = FileManager.default.contents(atPath: firmwareURL.path) else { return nil }
        do { return try JSONDecoder().decode(InstalledFirmware.self, from: data) } catch {
            throw HearthError(.storageUnavailable, "\(firmwareURL.path) is not a firmware description")
        }
    }

    public func store(firmware: InstalledFirmware) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(Array(try encoder.encode(firmware)) + [0x0A], to: firmwareURL)
    }

    /// A kept repository file (`root`, `timestamp`, `snapshot`), or nil.
    func trusted(_ role: String) -> [UInt8]? {
        FileManager.default.contents(atPath: repositoryURL.appendingPathComponent("\(role).json").path).map(Array.init)
    }

    func keep(_ bytes: [UInt8], as role: String) throws {
        try FileManager.default.createDirectory(at: repositoryURL, withIntermediateDirectories: true)
        try AtomicFile.write(bytes, to: repositoryURL.appendingPathComponent("\(role).json"))
    }
}
