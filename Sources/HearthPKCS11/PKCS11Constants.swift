import CPKCS11
import HearthCore

/// The PKCS#11 v2.40 numbers Hearth uses (return values, attributes, mechanisms), by their names
/// in the standard.
enum PKCS11 {
    static let ok: hp11_ulong = 0x0
    static let generalError: hp11_ulong = 0x5
    static let templateInconsistent: hp11_ulong = 0xD1
    static let alreadyInitialized: hp11_ulong = 0x191
    static let userAlreadyLoggedIn: hp11_ulong = 0x100
    static let osLockingOK: hp11_ulong = 0x2

    static let serialSession: hp11_ulong = 0x4
    static let readWriteSession: hp11_ulong = 0x2
    static let user: hp11_ulong = 1

    // Object classes and key types.
    static let publicKeyClass: hp11_ulong = 2
    static let privateKeyClass: hp11_ulong = 3
    static let ecKeyType: hp11_ulong = 0x3
    static let edwardsKeyType: hp11_ulong = 0x40

    // Attributes.
    static let attributeClass: hp11_ulong = 0x0
    static let attributeToken: hp11_ulong = 0x1
    static let attributePrivate: hp11_ulong = 0x2
    static let attributeLabel: hp11_ulong = 0x3
    static let attributeKeyType: hp11_ulong = 0x100
    static let attributeID: hp11_ulong = 0x102
    static let attributeSensitive: hp11_ulong = 0x103
    static let attributeDecrypt: hp11_ulong = 0x105
    static let attributeUnwrap: hp11_ulong = 0x107
    static let attributeSign: hp11_ulong = 0x108
    static let attributeVerify: hp11_ulong = 0x10A
    static let attributeDerive: hp11_ulong = 0x10C
    static let attributeExtractable: hp11_ulong = 0x162
    static let attributeECParameters: hp11_ulong = 0x180
    static let attributeECPoint: hp11_ulong = 0x181

    // Mechanisms.
    static let ecKeyPairGeneration: hp11_ulong = 0x1040
    static let ecdsa: hp11_ulong = 0x1041
    static let edwardsKeyPairGeneration: hp11_ulong = 0x1055
    static let eddsa: hp11_ulong = 0x1057

    /// The curve's name as CKA_EC_PARAMS wants it: the DER of its object identifier.
    static func curveParameters(_ algorithm: HubPrivateKey.Algorithm) -> [UInt8] {
        switch algorithm {
        case .p256: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]  // 1.2.840.10045.3.1.7
        case .p384: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]  // 1.3.132.0.34
        case .ed25519: [0x06, 0x03, 0x2B, 0x65, 0x70]  // 1.3.101.112
        }
    }

    /// The names of the return values an operator is likely to meet, for errors they can act on.
    private static let names: [hp11_ulong: String] = [
        0x3: "CKR_SLOT_ID_INVALID", 0x5: "CKR_GENERAL_ERROR", 0x6: "CKR_FUNCTION_FAILED", 0x7: "CKR_ARGUMENTS_BAD",
        0x12: "CKR_ATTRIBUTE_TYPE_INVALID", 0x13: "CKR_ATTRIBUTE_VALUE_INVALID", 0x30: "CKR_DEVICE_ERROR",
        0x31: "CKR_DEVICE_MEMORY", 0x32: "CKR_DEVICE_REMOVED", 0x60: "CKR_KEY_HANDLE_INVALID",
        0x70: "CKR_MECHANISM_INVALID", 0x82: "CKR_OBJECT_HANDLE_INVALID", 0xA0: "CKR_PIN_INCORRECT",
        0xA1: "CKR_PIN_INVALID", 0xA2: "CKR_PIN_LEN_RANGE", 0xA4: "CKR_PIN_LOCKED", 0xB3: "CKR_SESSION_HANDLE_INVALID",
        0xD0: "CKR_TEMPLATE_INCOMPLETE", 0xD1: "CKR_TEMPLATE_INCONSISTENT", 0xE0: "CKR_TOKEN_NOT_PRESENT",
        0xE1: "CKR_TOKEN_NOT_RECOGNIZED", 0xE2: "CKR_TOKEN_WRITE_PROTECTED", 0x101: "CKR_USER_NOT_LOGGED_IN",
        0x102: "CKR_USER_PIN_NOT_INITIALIZED", 0x150: "CKR_BUFFER_TOO_SMALL", 0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
    ]

    static func error(_ rv: hp11_ulong, _ doing: String) -> HearthError {
        let name = names[rv] ?? "CKR 0x" + String(rv, radix: 16)
        return HearthError(.configuration, "the PKCS#11 token refused \(doing): \(name)")
    }

    static func check(_ rv: hp11_ulong, _ doing: @autoclosure () -> String) throws {
        guard rv == ok else { throw error(rv, doing()) }
    }
}
