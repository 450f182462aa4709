import HearthCore

/// One telemetry flow a device sends (`devices/<id>/telemetry/<name>`), as its maker or owner
/// declared it: what it is for, what it may contain, what is taken out before anyone receives it,
/// how long it is kept and who may receive it.
///
/// Read from one element of a document's `flows` (see `FlowManifest`):
///
/// ```
/// { "name": "energy",
///   "class": "functional",
///   "sensitive": ["energy"],
///   "purpose": "Shows your plug's power use in the app",
///   "schema": { "type": "object", … },
///   "minimize": [ {"drop": ["serial"]}, {"round": {"path": "watts", "to": 0.5}} ],
///   "retention": "7d",
///   "recipients": { "apps": true, "destinations": ["maker-cloud"] },
///   "consent": true,
///   "rate": "1/m" }
/// ```
///
/// - `name` (required): 1–32 characters of `a-z`, `0-9` and `-`, starting with a letter; unique
///   in its document.
/// - `class` (required): `essential`, `functional`, `analytics` or `diagnostics` (`DataClass`).
/// - `sensitive` (optional, default none): distinct `SensitiveCategory` names.
/// - `purpose` (required): 1–280 characters, no control characters; shown to people deciding.
/// - `schema` (required): the JSON Schema subset of `FlowSchema`.
/// - `minimize` (optional, default none): `MinimizationRule`s, applied in order; `aggregate` only
///   last.
/// - `retention` (required): how long the hub keeps payloads, an integer and a unit `s`, `m`, `h`
///   or `d`, from 1 minute to 3650 days.
/// - `recipients` (required): `apps` (required, boolean) and `destinations` (optional, distinct
///   names of 1–32 characters of `a-z`, `0-9` and `-`).
/// - `consent` (optional, default false): ask consent even where the class would not need it.
/// - `rate` (optional): how often messages may come (`FlowRate`); faster is a message storm.
///
/// No other member is accepted, here or in any nested object (except inside `schema`, which has
/// its own closed list). `json` is the declaration's canonical text: stored, it reads back
/// (`stored(_:)`) to an equal declaration.
public struct FlowDeclaration: Sendable, Hashable {
    public let name: String
    public let dataClass: DataClass
    public let sensitive: [SensitiveCategory]
    public let purpose: String
    public let schema: FlowSchema
    public let minimization: [MinimizationRule]
    public let retention: Duration
    public let appsReceive: Bool
    public let destinations: [String]
    public let consentForced: Bool
    /// The most messages the device says it sends; nil: undeclared (its learned rate is watched).
    public let rate: FlowRate?
    /// The flow object's canonical JSON text (`JSONWriter.canonical`).
    public let json: [UInt8]

    /// Whether payloads are aggregated into windows rather than forwarded one by one.
    public var aggregates: Bool {
        if case .aggregate = minimization.last { return true }
        return false
    }

    /// Whether `recipient` may receive this flow only with the household's consent: any
    /// destination outside the home always; apps when the flow is analytics or diagnostics, is
    /// flagged sensitive, or its declaration asks for consent.
    public func needsConsent(for recipient: FlowRecipient) -> Bool {
        switch recipient {
        case .destination: true
        case .apps: dataClass == .analytics || dataClass == .diagnostics || !sensitive.isEmpty || consentForced
        }
    }

    /// One flow object's text (a stored `json`, or a flow written on its own).
    public init(json: [UInt8]) throws(HearthError) {
        self = try JSONDocument.reading(json, notJSON: "the flow declaration is not JSON") { (view) throws(HearthError) in
            try FlowDeclaration(view, at: 0, pointer: "")
        }
    }

    /// Reads back a declaration's stored `json`.
    public static func stored(_ json: [UInt8]) throws(HearthError) -> FlowDeclaration {
        try FlowDeclaration(json: json)
    }

    /// The flow object at `index`; errors name members by their pointer from `pointer`.
    init(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) {
        guard view[index].kind == .object else { throw DeclarationObject.refuse(pointer, "a flow must be an object") }
        // Read from the canonical text, so that a declaration and the one read back from its
        // `json` are made from the same bytes.
        var writer = JSONWriter()
        writer.canonical(view, at: index)
        let canonical = writer.bytes
        self = try JSONDocument.reading(canonical, notJSON: "\(JSONPointer.display(pointer)): not JSON") { (view) throws(HearthError) in
            try FlowDeclaration(reading: view, pointer: pointer, json: canonical)
        }
    }
}
