import HearthCore

extension FlowDeclaration {
    static let members: Set<String> = ["name", "class", "sensitive", "purpose", "schema", "minimize", "retention", "recipients", "consent", "rate"]

    /// Reads the canonical flow object at the root of `view`.
    init(reading view: JSONView, pointer: String, json: [UInt8]) throws(HearthError) {
        let flow = try DeclarationObject(view, at: 0, pointer: pointer, members: Self.members)

        let name = try flow.requiredString("name")
        guard ShortName.isValid(name) else { throw flow.refuse("name", "must be \(ShortName.rule)") }
        let dataClassName = try flow.requiredString("class")
        guard let dataClass = DataClass(rawValue: dataClassName) else {
            throw flow.refuse("class", "must be one of \(DataClass.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let sensitive = try flow.strings(
            "sensitive", { SensitiveCategory(rawValue: $0) != nil },
            "must be one of \(SensitiveCategory.allCases.map(\.rawValue).joined(separator: ", "))") ?? []
        let purpose = try flow.requiredString("purpose")
        guard Self.isPurpose(purpose) else { throw flow.refuse("purpose", "must be \(Self.purposeRule)") }
        let schema = try FlowSchema(view, at: try flow.required("schema"), pointer: flow.location("schema"))
        let minimization = try Self.rules(flow)
        let retention = try flow.requiredString("retention")
        guard let retentionSeconds = DurationText.seconds(retention), (60...3650 * 86400).contains(retentionSeconds) else {
            throw flow.refuse("retention", "must be a duration from 1m to 3650d, such as 7d, 12h or 90m")
        }
        let recipients = try DeclarationObject(
            view, at: try flow.required("recipients"), pointer: flow.location("recipients"), members: ["apps", "destinations"])
        guard let apps = try recipients.bool("apps") else {
            throw DeclarationObject.refuse(recipients.pointer, "member \"apps\" is required")
        }
        let destinations = try recipients.strings(
            "destinations", ShortName.isValid, "must be \(ShortName.rule)") ?? []

        self.name = name
        self.dataClass = dataClass
        self.sensitive = sensitive.compactMap(SensitiveCategory.init(rawValue:))
        self.purpose = purpose
        self.schema = schema
        self.minimization = minimization
        self.retention = .seconds(retentionSeconds)
        appsReceive = apps
        self.destinations = destinations
        consentForced = try flow.bool("consent") ?? false
        if let rate = try flow.string("rate") {
            guard let parsed = FlowRate(rate) else { throw flow.refuse("rate", "must be \(FlowRate.rule)") }
            self.rate = parsed
        } else {
            self.rate = nil
        }
        self.json = json
    }

    private static func rules(_ flow: DeclarationObject) throws(HearthError) -> [MinimizationRule] {
        guard let elements = try flow.array("minimize") else { return [] }
        var rules: [MinimizationRule] = []
        for (offset, element) in elements.enumerated() {
            let location = JSONPointer.appending(flow.location("minimize"), offset)
            let rule = try MinimizationRule.parse(flow.view, at: element, pointer: location)
            if case .aggregate = rule, offset != elements.count - 1 {
                throw DeclarationObject.refuse(location, "aggregate must be the last rule")
            }
            rules.append(rule)
        }
        return rules
    }

    /// Why a flow is sent, as a declaration or a consent states it.
    public static let purposeRule = "1-280 characters, without control characters"

    public static func isPurpose(_ text: String) -> Bool {
        (1...280).contains(text.count) && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
