import Foundation
import HearthCore

/// Where the hub's keys live when they live in a token: `<data>/pkcs11.json`, written by
/// `hearth init --pkcs11 MODULE --slot N --pin-file F`. The PIN stays in its own file (which the
/// operator may keep on another volume or mount from a secret store); only its path is here.
public struct PKCS11Settings: Codable, Sendable, Equatable {
    public static let fileName = "pkcs11.json"

    /// The module's shared library, e.g. /usr/lib/softhsm/libsofthsm2.so.
    public let module: String
    /// The slot id (as `softhsm2-util --show-slots` or `pkcs11-tool -L` prints it).
    public let slot: UInt
    public let pinFile: String

    public init(module: String, slot: UInt, pinFile: String) {
        self.module = module
        self.slot = slot
        self.pinFile = pinFile
    }

    /// The user PIN: the file's first line. Refuses a file others can read.
    func pin() throws -> [UInt8] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: pinFile),
              let data = FileManager.default.contents(atPath: pinFile)
        else { throw HearthError(.configuration, "cannot read the PKCS#11 PIN file \(pinFile)") }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw HearthError(.configuration, "the PKCS#11 PIN file \(pinFile) is readable by others (chmod 600 it)")
        }
        let line = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
        let pin = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
        guard !pin.isEmpty else { throw HearthError(.configuration, "the PKCS#11 PIN file \(pinFile) is empty") }
        return pin
    }

    /// The settings in `folder`'s pkcs11.json, or nil when the hub keeps its keys itself.
    public static func read(folder: String) throws -> PKCS11Settings? {
        let path = folder + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(PKCS11Settings.self, from: data)
        } catch {
            throw HearthError(.configuration, "\(path) is not valid PKCS#11 settings (module, slot, pinFile): \(error)")
        }
    }

    public func write(folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = folder + "/" + Self.fileName
        guard FileManager.default.createFile(
            atPath: path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600])
        else { throw HearthError(.configuration, "cannot write \(path)") }
    }
}
