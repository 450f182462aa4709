import Foundation

/// A maker's new targets metadata, checked before the hub serves it (docs/firmware.md, "For
/// makers"): signed by enough of the maker's keys, the next version, not expired, its releases
/// all under the maker's models, and every release published before still there, unchanged — a
/// release is never altered or taken back by its maker (the hub withdraws releases instead).
public struct MakerPublication: Sendable {
    public let metadata: SignedMetadata
    public let role: TargetsRole
    /// Releases not in the previous version.
    public let added: [FirmwareRelease]
    public let releases: [FirmwareRelease]

    public init(
        _ metadata: SignedMetadata, delegation: Delegation, keys: [String: TUFKey], previous: TargetsRole?, at now: Date
    ) throws(TUFError) {
        try metadata.verify(delegation.name, delegation.keys, keys: keys)
        let role = try TargetsRole(metadata.signed)
        guard role.delegations == nil || role.delegations?.isEmpty == true else {
            throw .release("a maker's targets metadata delegates nothing further")
        }
        if let previous, role.header.version <= previous.header.version {
            throw .version(role: delegation.name, "\(role.header.version) is not above the published \(previous.header.version)")
        }
        try role.header.checkNotExpired(at: now)
        var releases: [FirmwareRelease] = []
        var versions: Set<String> = []
        for (path, target) in role.targets.sorted(by: { $0.key < $1.key }) {
            guard delegation.covers(path) else {
                throw .release("maker \(delegation.name) is not delegated for \(path): its models are \(delegation.paths.map { String($0.dropLast(2)) }.joined(separator: ", "))")
            }
            let release = try FirmwareRelease(path: path, target: target)
            guard versions.insert("\(release.model)/\(release.version)").inserted else {
                throw .release("two releases of \(release.model) say version \(release.version)")
            }
            releases.append(release)
        }
        for (path, target) in previous?.targets ?? [:] where role.targets[path] != target {
            throw .release("release \(path) was published already and may not be changed or removed")
        }
        self.metadata = metadata
        self.role = role
        self.releases = releases
        added = releases.filter { previous?.targets[$0.path] == nil }
    }
}
