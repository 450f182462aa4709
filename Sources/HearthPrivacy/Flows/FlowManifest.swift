import HearthCore

/// A document declaring a device's (or a model's) telemetry flows:
///
/// ```
/// { "model": "acme-plug-2",
///   "flows": [ { …a FlowDeclaration… } ] }
/// ```
///
/// - `model` (optional; a maker's signed document names it): 1–64 characters of `a-z`, `0-9`,
///   `.`, `_` and `-`, starting with a letter or digit (what a flow scope `model:<name>` accepts).
/// - `flows` (required): flow objects (see `FlowDeclaration`), names unique; may be empty (the
///   device sends no telemetry).
///
/// Strict JSON (`JSONParser`), and no member other than these anywhere in the document, so that a
/// misspelt member is an error rather than a silently different declaration.
public struct FlowManifest: Sendable {
    public let model: String?
    public let flows: [FlowDeclaration]

    public static func parse(_ json: [UInt8]) throws(HearthError) -> FlowManifest {
        try JSONDocument.reading(json, notJSON: "the flow document is not JSON") { (view) throws(HearthError) in try FlowManifest(view) }
    }

    init(_ view: JSONView) throws(HearthError) {
        let document = try DeclarationObject(view, at: 0, pointer: "", members: ["model", "flows"])
        let model = try document.string("model")
        if let model, !FlowScope.isModelName(model) {
            throw document.refuse("model", "must be \(FlowScope.modelNameRule)")
        }
        guard let elements = try document.array("flows") else {
            throw DeclarationObject.refuse("", "member \"flows\" is required")
        }
        var flows: [FlowDeclaration] = []
        for (offset, element) in elements.enumerated() {
            let flow = try FlowDeclaration(view, at: element, pointer: JSONPointer.appending("/flows", offset))
            guard !flows.contains(where: { $0.name == flow.name }) else {
                throw DeclarationObject.refuse(JSONPointer.appending("/flows", offset), "a flow named \"\(flow.name)\" is declared twice")
            }
            flows.append(flow)
        }
        self.model = model
        self.flows = flows
    }
}
