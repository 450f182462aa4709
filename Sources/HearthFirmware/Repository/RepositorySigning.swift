import Foundation

/// The hub's side of the repository as values: what a new version of each top-level role holds,
/// signed. The hub's firmware service decides when; this decides what.
public enum RepositorySigning {
    /// Root metadata naming one key per top-level role, signed by `signers` (on a rotation, the
    /// previous root's keys and the new one's).
    public static func root(
        version: Int64, keys: [String: TUFSigningKey], signers: [TUFSigningKey], expires: Date
    ) throws -> SignedMetadata {
        var roles: [String: RoleKeys] = [:]
        for role in RootRole.topLevelRoles {
            roles[role] = RoleKeys(keyIDs: [keys[role]?.publicKey.id].compactMap { $0 }, threshold: 1)
        }
        let root = RootRole(version: version, expires: expires, keys: keys.values.map(\.publicKey), roles: roles)
        return try SignedMetadata(signing: root.signed, with: signers)
    }

    /// The top-level targets: no files of its own, a terminating delegation per maker.
    public static func targets(version: Int64, makers: [MakerDelegation], key: TUFSigningKey, expires: Date) throws -> SignedMetadata {
        let ordered = makers.filter { !$0.models.isEmpty && !$0.keys.isEmpty }.sorted { $0.maker < $1.maker }
        let role = TargetsRole(
            version: version, expires: expires, delegationKeys: ordered.flatMap(\.keys), delegations: ordered.map(\.delegation))
        return try SignedMetadata(signing: role.signed, with: [key])
    }

    /// The snapshot of the top-level targets version and every maker role's.
    public static func snapshot(
        version: Int64, targetsVersion: Int64, makerVersions: [String: Int64], key: TUFSigningKey, expires: Date
    ) throws -> SignedMetadata {
        var meta = ["targets.json": MetaFile(version: targetsVersion)]
        for (role, version) in makerVersions { meta["\(role).json"] = MetaFile(version: version) }
        return try SignedMetadata(signing: SnapshotRole(version: version, expires: expires, meta: meta).signed, with: [key])
    }

    public static func timestamp(version: Int64, snapshot: [UInt8], snapshotVersion: Int64, key: TUFSigningKey, expires: Date) throws -> SignedMetadata {
        let role = TimestampRole(version: version, expires: expires, snapshot: MetaFile(version: snapshotVersion, bytes: snapshot))
        return try SignedMetadata(signing: role.signed, with: [key])
    }
}
