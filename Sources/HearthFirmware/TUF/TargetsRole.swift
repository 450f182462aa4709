import Foundation

/// One target file: its length, SHA-256 and, for a release, what the maker says of it (`custom`).
public struct TargetFile: Sendable, Hashable {
    public var length: Int
    public var sha256: String
    public var custom: JSONValue?

    public init(length: Int, sha256: String, custom: JSONValue? = nil) {
        self.length = length
        self.sha256 = sha256
        self.custom = custom
    }

    init(json: JSONValue, path: String) throws(TUFError) {
        guard let length = json["length"]?.integer, length >= 0, let sha256 = json["hashes"]?["sha256"]?.string else {
            throw .malformed("target \(path) has a length and a sha256 hash")
        }
        self.init(length: Int(length), sha256: sha256, custom: json["custom"])
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["length": .integer(Int64(length)), "hashes": .object(["sha256": .string(sha256)])]
        if let custom { object["custom"] = custom }
        return .object(object)
    }
}

/// A delegated targets role: a maker, trusted for the paths of its models only.
public struct Delegation: Sendable, Hashable {
    public var name: String
    public var keys: RoleKeys
    public var paths: [String]

    public init(name: String, keys: RoleKeys, paths: [String]) {
        self.name = name
        self.keys = keys
        self.paths = paths
    }

    /// Whether `target` is one of this role's paths, as TUF clients match them: the same number
    /// of `/`-separated parts, each matching its pattern's part. The hub writes patterns of the
    /// form `<model>/*` only, so `*` is the one wildcard understood here.
    public func covers(_ target: String) -> Bool {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        return paths.contains { pattern in
            let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: false)
            guard patternParts.count == parts.count else { return false }
            return zip(patternParts, parts).allSatisfy { $0 == "*" ? !$1.isEmpty : $0 == $1 }
        }
    }
}

/// A targets role: the hub's top-level one (no files, a delegation per maker) or a maker's (its
/// releases).
public struct TargetsRole: Sendable, Hashable {
    public var header: MetadataHeader
    public var targets: [String: TargetFile]
    public var delegationKeys: [String: TUFKey]
    public var delegations: [Delegation]?

    public init(version: Int64, expires: Date, targets: [String: TargetFile] = [:], delegationKeys: [TUFKey] = [], delegations: [Delegation]? = nil) {
        header = MetadataHeader(type: "targets", version: version, expires: expires)
        self.targets = targets
        self.delegationKeys = Dictionary(delegationKeys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.delegations = delegations
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        header = try MetadataHeader(signed, type: "targets")
        guard let objects = signed["targets"]?.object else { throw .malformed("targets metadata has targets") }
        var targets: [String: TargetFile] = [:]
        for (path, json) in objects { targets[path] = try TargetFile(json: json, path: path) }
        self.targets = targets
        delegationKeys = [:]
        if let json = signed["delegations"] {
            guard let keyObjects = json["keys"]?.object, let roles = json["roles"]?.array else {
                throw .malformed("delegations have keys and roles")
            }
            for (id, key) in keyObjects { delegationKeys[id] = try TUFKey(json: key) }
            delegations = try roles.map { role throws(TUFError) in
                guard let name = role["name"]?.string, let paths = role["paths"]?.array?.compactMap(\.string) else {
                    throw .malformed("each delegated role has a name and paths")
                }
                return Delegation(name: name, keys: try RoleKeys(json: role, role: name), paths: paths)
            }
        }
    }

    public var signed: JSONValue {
        var object = header.json
        object["targets"] = .object(targets.mapValues(\.json))
        if let delegations {
            object["delegations"] = .object([
                "keys": .object(delegationKeys.mapValues(\.json)),
                "roles": .array(delegations.map { delegation in
                    var role = delegation.keys.json
                    role["name"] = .string(delegation.name)
                    role["terminating"] = .bool(true)
                    role["paths"] = .array(delegation.paths.map { .string($0) })
                    return .object(role)
                }),
            ])
        }
        return .object(object)
    }
}
