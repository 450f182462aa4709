import Foundation

/// A firmware release as its maker signs it: a target `<model>/<file>` of the maker's targets
/// metadata, whose `custom` says what it is. The hub reads it from there; a device reads the same.
public struct FirmwareRelease: Sendable, Hashable {
    public let path: String
    public let model: String
    public let version: String
    /// Monotonic per model: a device never installs a release with a lower one (anti-rollback).
    public let securityVersion: Int64
    public let sha256: String
    public let length: Int
    public let notes: String
    /// The oldest hub that can serve the devices running it, when it matters.
    public let minimumHubVersion: String?

    public init(path: String, model: String, version: String, securityVersion: Int64, sha256: String, length: Int, notes: String, minimumHubVersion: String? = nil) {
        self.path = path
        self.model = model
        self.version = version
        self.securityVersion = securityVersion
        self.sha256 = sha256
        self.length = length
        self.notes = notes
        self.minimumHubVersion = minimumHubVersion
    }

    /// What the maker writes as the target's `custom`.
    public var custom: JSONValue {
        var object: [String: JSONValue] = [
            "model": .string(model), "version": .string(version), "security_version": .integer(securityVersion),
            "notes": .string(notes),
        ]
        if let minimumHubVersion { object["min_hub_version"] = .string(minimumHubVersion) }
        return .object(object)
    }

    public var target: TargetFile { TargetFile(length: length, sha256: sha256, custom: custom) }

    /// The release a target describes; refuses one that does not say what it is.
    public init(path: String, target: TargetFile) throws(TUFError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isName(parts[0], maximum: 64), Self.isName(parts[1], maximum: 128) else {
            throw .release("a release's target path is <model>/<file name> (letters, digits, . _ -), not \(path)")
        }
        guard let custom = target.custom, let model = custom["model"]?.string, let version = custom["version"]?.string,
              let securityVersion = custom["security_version"]?.integer
        else { throw .release("target \(path) must say its model, version and security_version in custom") }
        guard model == parts[0] else { throw .release("target \(path) says model \(model) but sits under \(parts[0])/") }
        guard Self.isName(version[...], maximum: 64) else { throw .release("target \(path)'s version is letters, digits, . _ - (at most 64)") }
        guard securityVersion >= 0 else { throw .release("target \(path)'s security_version is 0 or more") }
        guard target.sha256.utf8.count == 64, target.sha256.allSatisfy(\.isHexDigit), target.sha256 == target.sha256.lowercased() else {
            throw .release("target \(path)'s sha256 is 64 lower-case hex digits")
        }
        guard target.length > 0 else { throw .release("target \(path) is empty") }
        let notes = custom["notes"]?.string ?? ""
        guard notes.utf8.count <= 16 * 1024 else { throw .release("target \(path)'s notes are at most 16 KiB") }
        self.init(
            path: path, model: model, version: version, securityVersion: securityVersion, sha256: target.sha256,
            length: target.length, notes: notes, minimumHubVersion: custom["min_hub_version"]?.string)
    }

    /// Model names, file names and versions: what is safe in a path, a URL and a log line.
    public static func isName(_ text: Substring, maximum: Int) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first.isNumber, text.utf8.count <= maximum else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}
