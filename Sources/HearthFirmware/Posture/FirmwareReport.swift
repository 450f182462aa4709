import Foundation

/// What a device says it runs (docs/firmware.md, "Device reports"): at pairing, in each renewal
/// request, and whenever it changes (`PUT /v1/device/firmware`).
public struct FirmwareReport: Sendable, Hashable, Codable {
    public let model: String
    public let version: String
    public let securityVersion: Int64
    /// The SHA-256 of the image it runs, when it knows it.
    public let sha256: String?

    enum CodingKeys: String, CodingKey { case model, version, securityVersion = "security_version", sha256 }

    public init(model: String, version: String, securityVersion: Int64, sha256: String? = nil) throws(TUFError) {
        if let (_, problem) = Self.problem(model: model, version: version, securityVersion: securityVersion, sha256: sha256) {
            throw .release(problem)
        }
        self.model = model
        self.version = version
        self.securityVersion = securityVersion
        self.sha256 = sha256
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let model = try c.decode(String.self, forKey: .model), version = try c.decode(String.self, forKey: .version)
        let securityVersion = try c.decode(Int64.self, forKey: .securityVersion)
        let sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
        if let (field, problem) = Self.problem(model: model, version: version, securityVersion: securityVersion, sha256: sha256) {
            throw DecodingError.dataCorruptedError(forKey: field, in: c, debugDescription: problem)
        }
        self.model = model
        self.version = version
        self.securityVersion = securityVersion
        self.sha256 = sha256
    }

    /// The first field that is wrong, and how.
    private static func problem(model: String, version: String, securityVersion: Int64, sha256: String?) -> (CodingKeys, String)? {
        if !FirmwareRelease.isName(model[...], maximum: 64) { return (.model, "a reported model is letters, digits, . _ - (at most 64)") }
        if !FirmwareRelease.isName(version[...], maximum: 64) { return (.version, "a reported version is letters, digits, . _ - (at most 64)") }
        if securityVersion < 0 { return (.securityVersion, "a reported security version is 0 or more") }
        if let sha256, sha256.utf8.count != 64 || !sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            return (.sha256, "a reported image digest is 64 lower-case hex digits")
        }
        return nil
    }
}
