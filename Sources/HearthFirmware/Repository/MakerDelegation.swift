/// A maker as the hub's targets role delegates to it: its role name, keys, threshold and models.
public struct MakerDelegation: Sendable, Hashable {
    public let maker: String
    public let keys: [TUFKey]
    public let threshold: Int
    public let models: [String]

    public init(maker: String, keys: [TUFKey], threshold: Int, models: [String]) {
        self.maker = maker
        self.keys = keys
        self.threshold = threshold
        self.models = models
    }

    /// The delegated role's name, which is also its metadata file's: `<name>.json`.
    public var roleName: String { Self.roleName(maker) }
    public static func roleName(_ maker: String) -> String { "maker-\(maker)" }

    public var delegation: Delegation {
        Delegation(
            name: roleName, keys: RoleKeys(keyIDs: keys.map(\.id).sorted(), threshold: threshold),
            paths: models.sorted().map { "\($0)/*" })
    }
}
