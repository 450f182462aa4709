import HearthCore

/// Who caused an audited change: a person, a device, an OAuth client, the hub itself (`system`,
/// with the component as id), or an unauthenticated party (`anonymous`, with its address).
public struct AuditActor: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case person, device, client, system, anonymous
    }

    public let kind: Kind
    public let id: String

    /// The form stored and searched: `kind:id`, for example `person:3vQb…` or `system:cli`.
    public var description: String { "\(kind.rawValue):\(id)" }

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = AuditText.clean(id, limit: 200)
    }

    /// Parses `kind:id` (the id may itself contain colons, as an IPv6 address does).
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])) else { return nil }
        let id = String(text[text.index(after: colon)...])
        guard !id.isEmpty, AuditText.clean(id, limit: 200) == id else { return nil }
        self.init(kind, id)
    }

    public static func person(_ id: PersonID) -> AuditActor { AuditActor(.person, id.rawValue) }
    public static func device(_ id: DeviceID) -> AuditActor { AuditActor(.device, id.rawValue) }
    public static func system(_ component: String) -> AuditActor { AuditActor(.system, component) }
    public static func anonymous(address: String?) -> AuditActor { AuditActor(.anonymous, address ?? "unknown") }
}

/// Text that goes into the log is kept to one printable line of bounded length, so that no
/// caller can forge line breaks in exports or smuggle control characters into a terminal.
enum AuditText {
    static func clean(_ text: String, limit: Int) -> String {
        if text.utf8.count <= limit, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        let printable = text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                ? "\u{FFFD}" : String(scalar)
        }.joined()
        return printable.count > limit ? String(printable.prefix(limit)) : printable
    }
}
