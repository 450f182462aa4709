import Foundation
import HearthCore

/// The hub's record of the device (`GET /v1/device`).
public struct DeviceStatusReport: Sendable {
    public let id: String
    public let state: String
    public let certificateStatus: String?
    /// The hub's JSON, pretty-printed with sorted keys.
    public let json: String
}

extension VirtualDevice {
    /// Asks the hub for the device's own record, over mutual TLS with the pinned root.
    public func status() async throws -> DeviceStatusReport {
        let connection = try pinnedConnection(try paired())
        let reply = try await backoff.run(sleep: sleep, logger: logger, "reading the device record") {
            let reply = try await connection.get("/v1/device")
            guard reply.status == 200 else { throw reply.problem }
            return reply
        }
        struct Fields: Decodable {
            let id: String
            let state: String
            let certificateStatus: String?

            enum CodingKeys: String, CodingKey {
                case id, state
                case certificateStatus = "certificate_status"
            }
        }
        let fields = try reply.decode(Fields.self)
        let object = try JSONSerialization.jsonObject(with: Data(reply.body))
        let pretty = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return DeviceStatusReport(
            id: fields.id, state: fields.state, certificateStatus: fields.certificateStatus,
            json: String(decoding: pretty, as: UTF8.self))
    }
}
