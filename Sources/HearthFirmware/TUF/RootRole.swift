import Foundation

/// The root role: which keys every top-level role trusts. Changing a key is a new root version,
/// signed by the old root's keys and the new one's (TUF specification, 5.3).
public struct RootRole: Sendable, Hashable {
    public static let topLevelRoles = ["root", "targets", "snapshot", "timestamp"]

    public var header: MetadataHeader
    public var keys: [String: TUFKey]
    public var roles: [String: RoleKeys]

    public init(version: Int64, expires: Date, keys: [TUFKey], roles: [String: RoleKeys]) {
        header = MetadataHeader(type: "root", version: version, expires: expires)
        self.keys = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.roles = roles
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        header = try MetadataHeader(signed, type: "root")
        guard let keyObjects = signed["keys"]?.object, let roleObjects = signed["roles"]?.object else {
            throw .malformed("root metadata has keys and roles")
        }
        var keys: [String: TUFKey] = [:]
        for (id, json) in keyObjects { keys[id] = try TUFKey(json: json) }
        var roles: [String: RoleKeys] = [:]
        for name in Self.topLevelRoles {
            guard let json = roleObjects[name] else { throw .malformed("root metadata names the \(name) role's keys") }
            roles[name] = try RoleKeys(json: json, role: name)
        }
        self.keys = keys
        self.roles = roles
    }

    public var signed: JSONValue {
        var object = header.json
        object["consistent_snapshot"] = .bool(true)
        object["keys"] = .object(keys.mapValues(\.json))
        object["roles"] = .object(roles.mapValues { .object($0.json) })
        return .object(object)
    }

    public func role(_ name: String) -> RoleKeys { roles[name] ?? RoleKeys(keyIDs: [], threshold: 1) }
}
