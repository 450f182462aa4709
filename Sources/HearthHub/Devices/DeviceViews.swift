import Foundation
import HearthCore
import HearthStore

/// A device as `GET /v1/devices`, `hearth devices list --json` and `GET /v1/device` show it.
public struct DeviceView: Encodable, Sendable {
    package let status: DeviceLifecycle.Status
    package let certificates: [CertificateRecord]?

    public init(_ status: DeviceLifecycle.Status, certificates: [CertificateRecord]? = nil) {
        self.status = status
        self.certificates = certificates
    }

    package enum CodingKeys: String, CodingKey {
        case id, name, zone, state, certificate, certificates
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case lastSeenAt = "last_seen_at"
        case certificateStatus = "certificate_status"
        case renewAfter = "renew_after"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let device = status.device
        try container.encode(device.id.rawValue, forKey: .id)
        try container.encode(device.name, forKey: .name)
        try container.encode(device.zone.name, forKey: .zone)
        try container.encode(device.state.rawValue, forKey: .state)
        try container.encode(RFC3339.format(device.createdAt), forKey: .createdAt)
        try container.encode(RFC3339.format(device.updatedAt), forKey: .updatedAt)
        try container.encode(device.lastSeenAt.map(RFC3339.format), forKey: .lastSeenAt)
        try container.encode(status.certificateStatus, forKey: .certificateStatus)
        try container.encode(status.certificate.map(CertificateView.init), forKey: .certificate)
        try container.encode(status.renewAfter.map(RFC3339.format), forKey: .renewAfter)
        if let certificates { try container.encode(certificates.map(CertificateView.init), forKey: .certificates) }
    }
}
