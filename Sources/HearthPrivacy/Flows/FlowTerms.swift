/// How necessary a flow is to what the device does; it decides whether apps may receive the flow
/// without the household's consent (see `FlowDeclaration.needsConsent(for:)`).
public enum DataClass: String, Sendable, Hashable, CaseIterable {
    /// The device cannot work without it (a thermostat's temperature).
    case essential
    /// A feature the household uses (a plug's power history in the app).
    case functional
    /// Use of the device, studied by its maker.
    case analytics
    /// The device's health, for fixing it.
    case diagnostics
}

/// What a flow may reveal about the people at home; any of them makes even apps ask for consent.
public enum SensitiveCategory: String, Sendable, Hashable, CaseIterable {
    case presence, audio, video, location, health, energy
}

/// Who may receive a flow: the household's apps (through the hub), or a named destination
/// outside the home (a maker's cloud) through a bridge.
public enum FlowRecipient: Hashable, Sendable {
    case apps
    case destination(String)
}
