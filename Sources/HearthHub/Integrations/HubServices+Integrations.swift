extension HubServices {
    /// Integrations (Home Assistant), for the API and console adapters.
    public var integrations: IntegrationService { IntegrationService(pki: pki) }
}
