import HearthCore

/// Who a finding is about: a device, an app (an OAuth client acting for a person), a person, or
/// a network source that is nobody yet (a stranger guessing credentials).
public struct Suspect: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case device, app, person, source
        /// What strangers guess at (an account, a client, a pairing offer), when they come from
        /// many sources: the finding is about the target, the guessers being unknown.
        case target
    }

    public let kind: Kind
    public let id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public static func device(_ id: DeviceID) -> Suspect { Suspect(.device, id.rawValue) }
    public static func source(_ address: String) -> Suspect { Suspect(.source, address) }

    /// `device:<id>`, `app:<client>`, `person:<id>`, `source:<address>` — the audit log's way of naming them.
    public var description: String { "\(kind.rawValue):\(id)" }

    /// Parses ``description``.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])) else { return nil }
        let id = String(text[text.index(after: colon)...])
        guard !id.isEmpty else { return nil }
        self.init(kind, id)
    }
}
