/// The protocol level a connection speaks, as carried in its CONNECT packet.
public enum MQTTVersion: UInt8, Sendable {
    case v311 = 4
    case v5 = 5
}

/// Delivery guarantee of a message or the most a subscription accepts.
public enum QoS: UInt8, Sendable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    // Raw-value enums get no synthesized ordering; brokers downgrade with `min(published, granted)`.
    public static func < (lhs: QoS, rhs: QoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
