import HearthCore

extension FlowRecipient: CustomStringConvertible {
    /// Parses `apps` or `destination:<name>`, the form the API, the CLI, the console and stored
    /// consents use; anything else is refused (never read as `apps`).
    public init(_ text: String) throws(HearthError) {
        if text == "apps" {
            self = .apps
        } else if text.hasPrefix("destination:"), text.count > "destination:".count {
            self = .destination(String(text.dropFirst("destination:".count)))
        } else {
            throw HearthError(.invalidInput, "a recipient is apps or destination:<name>")
        }
    }

    public var description: String {
        switch self {
        case .apps: "apps"
        case .destination(let name): "destination:\(name)"
        }
    }
}
