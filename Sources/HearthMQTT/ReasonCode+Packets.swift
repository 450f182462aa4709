/// Which reason codes each MQTT 5 packet may carry, and the MQTT 3.1.1 return-code mappings.
///
/// A code outside a packet's list is refused as malformed: a peer that invents codes is not one whose
/// other fields can be trusted either.
extension ReasonCode {
    // MQTT 5 §3.2.2.2
    static let connAckCodes = codes(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C,
                                    0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F)
    // MQTT 5 §3.4.2.1 and §3.5.2.1
    static let pubAckCodes = codes(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99)
    // MQTT 5 §3.6.2.1 and §3.7.2.1
    static let pubRelCodes = codes(0x00, 0x92)
    // MQTT 5 §3.9.3
    static let subAckCodes = codes(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2)
    // MQTT 5 §3.11.3
    static let unsubAckCodes = codes(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91)
    // MQTT 5 §3.14.2.1
    static let disconnectCodes = codes(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                                       0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                                       0xA0, 0xA1, 0xA2)
    // MQTT 5 §3.15.2.1
    static let authCodes = codes(0x00, 0x18, 0x19)

    static func ackCodes(_ kind: AckKind) -> Set<ReasonCode> {
        switch kind {
        case .puback, .pubrec: pubAckCodes
        case .pubrel, .pubcomp: pubRelCodes
        }
    }

    private static func codes(_ values: UInt8...) -> Set<ReasonCode> {
        Set(values.map(ReasonCode.init(rawValue:)))
    }

    /// MQTT 3.1.1 §3.2.2.3. Codes with no 3.1.1 counterpart become "not authorized", the one refusal
    /// every 3.1.1 client treats as final rather than retrying.
    var v311ConnectReturnCode: UInt8 {
        switch self {
        case .success: 0
        case .unsupportedProtocolVersion: 1
        case .clientIdentifierNotValid: 2
        case .serverUnavailable, .serverBusy: 3
        case .badUserNameOrPassword: 4
        default: 5
        }
    }

    init?(v311ConnectReturnCode code: UInt8) {
        switch code {
        case 0: self = .success
        case 1: self = .unsupportedProtocolVersion
        case 2: self = .clientIdentifierNotValid
        case 3: self = .serverUnavailable
        case 4: self = .badUserNameOrPassword
        case 5: self = .notAuthorized
        default: return nil
        }
    }

    /// MQTT 3.1.1 §3.9.3: a granted QoS or the single failure code 0x80.
    var v311SubscribeReturnCode: UInt8 {
        switch self {
        case .grantedQoS0, .grantedQoS1, .grantedQoS2: rawValue
        default: 0x80
        }
    }

    init?(v311SubscribeReturnCode code: UInt8) {
        switch code {
        case 0x00, 0x01, 0x02: self.init(rawValue: code)
        case 0x80: self = .unspecifiedError
        default: return nil
        }
    }
}
