/// A name-value pair an application attaches to a packet (MQTT 5 property 0x26).
public struct UserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The MQTT 5 properties of a packet (MQTT 5 §2.2.2).
///
/// One flat set of fields for every packet type, so a broker can copy the application's fields from
/// an inbound PUBLISH to an outbound one without a conversion per packet. The codec decodes only the
/// properties the spec allows for the packet at hand and encodes only those, dropping the rest; MQTT
/// 3.1.1 has no properties, so nothing here reaches a 3.1.1 wire.
///
/// The fields (``Values``) sit in a shared, immutable box, absent when there are none: a packet is
/// copied several times on its way from one socket to the next, and with the 28 fields inline
/// (216 bytes) every copy moved them all and retained each string and array. A write makes a new box.
@dynamicMemberLookup
public struct MQTTProperties: Sendable, Hashable {
    public struct Values: Sendable, Hashable {
        public var payloadFormatIndicator: UInt8?
        public var messageExpiryInterval: UInt32?
        public var contentType: String?
        public var responseTopic: String?
        public var correlationData: [UInt8]?
        /// May repeat in a PUBLISH sent to a client; a SUBSCRIBE carries at most one; zero is never valid.
        public var subscriptionIdentifiers: [UInt32]
        public var sessionExpiryInterval: UInt32?
        public var assignedClientIdentifier: String?
        public var serverKeepAlive: UInt16?
        public var authenticationMethod: String?
        public var authenticationData: [UInt8]?
        public var requestProblemInformation: UInt8?
        public var willDelayInterval: UInt32?
        public var requestResponseInformation: UInt8?
        public var responseInformation: String?
        public var serverReference: String?
        public var reasonString: String?
        public var receiveMaximum: UInt16?
        public var topicAliasMaximum: UInt16?
        public var topicAlias: UInt16?
        public var maximumQoS: UInt8?
        public var retainAvailable: Bool?
        /// Order is kept: the spec makes it meaningful to the application.
        public var userProperties: [UserProperty]
        public var maximumPacketSize: UInt32?
        public var wildcardSubscriptionAvailable: Bool?
        public var subscriptionIdentifiersAvailable: Bool?
        public var sharedSubscriptionAvailable: Bool?

        public init() {
            subscriptionIdentifiers = []
            userProperties = []
        }
    }

    // Inlinable with what it touches, so that reading one field through a literal key path
    // compiles to a load of that field instead of a copy of all of them.
    @usableFromInline final class Box: Sendable {
        @usableFromInline let values: Values
        init(_ values: Values) { self.values = values }
    }

    @usableFromInline static let noValues = Values()
    @usableFromInline var box: Box?

    public init() {}

    public init(_ values: Values) {
        box = values == Self.noValues ? nil : Box(values)
    }

    public static let none = MQTTProperties()

    public var values: Values { box?.values ?? Self.noValues }

    public var isEmpty: Bool { box == nil }

    @inlinable
    public subscript<Value>(dynamicMember field: WritableKeyPath<Values, Value>) -> Value {
        get {
            guard let box else { return Self.noValues[keyPath: field] }
            return box.values[keyPath: field]
        }
        set {
            var changed = values
            changed[keyPath: field] = newValue
            self = MQTTProperties(changed)
        }
    }

    public static func == (lhs: MQTTProperties, rhs: MQTTProperties) -> Bool {
        lhs.box === rhs.box || lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(values)
    }
}
