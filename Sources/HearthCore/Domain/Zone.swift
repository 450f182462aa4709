/// A named area of trust within a household. Devices are issued and authorized per zone; the
/// `quarantine` zone holds devices that may not act until an owner decides.
public struct Zone: ValidatedText, CustomStringConvertible {
    public let name: String

    /// Zone names appear in certificate profiles, scopes (`devices:control:<zone>`) and topics,
    /// so they are restricted to `[a-z0-9-]`, 1–32 characters, starting with a letter.
    public init(_ name: String) throws {
        guard ShortName.isValid(name) else { throw HearthError(.invalidInput, "a zone name is \(ShortName.rule)") }
        self.name = name
    }

    private init(known name: String) { self.name = name }

    public var description: String { name }
    public var text: String { name }

    public static let `default` = Zone(known: "default")
    public static let security = Zone(known: "security")
    public static let climate = Zone(known: "climate")
    public static let lighting = Zone(known: "lighting")
    public static let quarantine = Zone(known: "quarantine")

    /// The zones every new household starts with.
    public static let defaults: [Zone] = [.default, .security, .climate, .lighting, .quarantine]
}
