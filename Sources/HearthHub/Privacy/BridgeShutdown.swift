import ServiceLifecycle

/// Closes the bridge links (a clean MQTT DISCONNECT each) when the hub stops.
struct BridgeShutdown: Service {
    let bridges: BridgeLinks

    func run() async throws {
        try? await gracefulShutdown()
        await bridges.stopAll()
    }
}
