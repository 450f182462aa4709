import HearthHub
import Logging
import HearthStore
import Hummingbird
import Prometheus

/// Liveness, readiness and metrics: what an orchestrator or Prometheus asks of the hub.
struct HealthRoutes: Sendable {
    let store: Store
    let registry: PrometheusCollectorRegistry
    let privacy: PrivacyMetrics
    let detection: DetectionMetrics
    let firmware: FirmwareMetrics

    struct Status: Encodable {
        let status: String
        let database: String?
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/healthz") { _, _ in
                try JSONBody.response(Status(status: "ok", database: nil))
            },
            Endpoint(.get, "/readyz") { _, context in
                do {
                    try await store.ping()
                } catch {
                    context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                    throw Problem(.serviceUnavailable, code: "not-ready", detail: "the database is not reachable")
                }
                return try JSONBody.response(Status(status: "ready", database: store.engine.dialect.name))
            },
            Endpoint(.get, "/metrics") { _, context in
                detection.update()
                do {
                    try await privacy.update()
                } catch {
                    context.logger.warning("the privacy metrics could not be read", metadata: ["error": "\(error)"])
                }
                do {
                    try await firmware.update()
                } catch {
                    context.logger.warning("the firmware metrics could not be read", metadata: ["error": "\(error)"])
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            },
        ]
    }
}
