/// What the broker does with one telemetry payload.
public enum TelemetryVerdict: Sendable {
    /// Not delivered to anyone; the reason goes back to the device.
    case refused(TelemetryRefusal)
    /// Delivered, as these (minimized) bytes.
    case forward([UInt8])
    /// Taken into the flow's aggregation window. `emitted` is the previous window's aggregate, to
    /// be delivered, when this payload was the first of a new window.
    case absorbed(emitted: [UInt8]?)
}

/// Why a payload was refused. The reason never holds anything of the payload: it is sent back
/// to the device and logged.
public struct TelemetryRefusal: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case notJSON, schema
    }

    public let kind: Kind
    public let reason: String
    /// For a schema refusal, the violation.
    public let violation: SchemaViolation?

    public init(kind: Kind, reason: String, violation: SchemaViolation? = nil) {
        self.kind = kind
        self.reason = reason
        self.violation = violation
    }
}
