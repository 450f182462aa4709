/// Why bytes could not be a packet.
///
/// `reason` is what a broker sends in CONNACK or DISCONNECT (MQTT 5) before closing the connection.
/// `detail` names the offending field only; it never echoes field contents, so a password or token
/// that happened to be malformed never reaches a log.
public struct MQTTProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: ReasonCode
    public let detail: String

    public init(_ reason: ReasonCode, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}

extension MQTTProtocolError {
    static func malformed(_ detail: String) -> MQTTProtocolError { MQTTProtocolError(.malformedPacket, detail) }
    static func protocolError(_ detail: String) -> MQTTProtocolError { MQTTProtocolError(.protocolError, detail) }

    /// MQTT 5 calls some violations Protocol Errors where 3.1.1 has only one kind of bad packet.
    static func violation(_ version: MQTTVersion, _ detail: String) -> MQTTProtocolError {
        MQTTProtocolError(version == .v5 ? .protocolError : .malformedPacket, detail)
    }
}
