import Crypto
import Foundation
import HearthCore

/// The maker's side (`hearth firmware sign`): the next version of its targets metadata, with the
/// releases it had and the new ones, signed with its keys. The hub checks the result with
/// ``MakerPublication``; a device, through TUF, checks it again.
public enum MakerSigning {
    /// A release of `image`, as the maker describes it.
    public static func release(
        image: [UInt8], fileName: String, model: String, version: String, securityVersion: Int64, notes: String,
        minimumHubVersion: String? = nil
    ) throws(TUFError) -> FirmwareRelease {
        let target = TargetFile(
            length: image.count, sha256: SHA256.hash(data: image).hexString,
            custom: FirmwareRelease(
                path: "", model: model, version: version, securityVersion: securityVersion, sha256: "", length: 0, notes: notes,
                minimumHubVersion: minimumHubVersion
            ).custom)
        return try FirmwareRelease(path: "\(model)/\(fileName)", target: target)
    }

    /// The version after `previous` (or the first), holding its releases and `adding`, signed.
    public static func next(
        previous: TargetsRole?, adding releases: [FirmwareRelease], expires: Date, keys: [TUFSigningKey]
    ) throws -> SignedMetadata {
        var targets = previous?.targets ?? [:]
        for release in releases {
            guard targets[release.path] == nil else { throw TUFError.release("\(release.path) was released already") }
            targets[release.path] = release.target
        }
        let role = TargetsRole(version: (previous?.header.version ?? 0) + 1, expires: expires, targets: targets)
        return try SignedMetadata(signing: role.signed, with: keys)
    }
}
